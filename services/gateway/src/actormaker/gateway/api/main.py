from fastapi import APIRouter, Depends

from actormaker.gateway.api.routes import (
    actors,
    base_images,
    events,
    files,
    health,
    jobs,
    style_datasets,
    styles,
    training_data,
)
from actormaker.gateway.deps import require_api_key

api_router = APIRouter(prefix="/api", dependencies=[Depends(require_api_key)])
api_router.include_router(jobs.router)
api_router.include_router(events.router)
api_router.include_router(actors.router)
api_router.include_router(styles.router)
api_router.include_router(style_datasets.router)
api_router.include_router(training_data.router)
api_router.include_router(base_images.router)

health_router = health.router
# Files check their own access (a bearer key or a signed link), so a browser can load them.
files_router = APIRouter(prefix="/api")
files_router.include_router(files.router)
