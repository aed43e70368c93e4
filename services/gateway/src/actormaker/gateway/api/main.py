from fastapi import APIRouter, Depends

from actormaker.gateway.api.routes import (
    actors,
    admin_keys,
    base_images,
    datagen,
    events,
    files,
    health,
    jobs,
    metrics,
    selection_sets,
    style_datasets,
    styles,
    training,
    training_data,
    webhooks,
)
from actormaker.gateway.deps import require_admin, require_api_key

api_router = APIRouter(prefix="/api", dependencies=[Depends(require_api_key)])
api_router.include_router(jobs.router)
api_router.include_router(events.router)
api_router.include_router(actors.router)
api_router.include_router(styles.router)
api_router.include_router(style_datasets.router)
api_router.include_router(training_data.router)
api_router.include_router(base_images.router)
api_router.include_router(datagen.router)
api_router.include_router(selection_sets.style_router)
api_router.include_router(selection_sets.actor_router)
api_router.include_router(training.router)
api_router.include_router(training.style_router)
api_router.include_router(training.actor_router)
api_router.include_router(admin_keys.router, dependencies=[Depends(require_admin)])

health_router = health.router
# Metrics tell how busy the service is and what fails: behind the key like the API.
metrics_router = APIRouter(dependencies=[Depends(require_api_key)])
metrics_router.include_router(metrics.router)
# These check their own credentials: files a bearer key or a signed link (so a browser can load
# them), webhooks a per-step token (providers cannot send our key).
open_router = APIRouter(prefix="/api")
open_router.include_router(files.router)
open_router.include_router(webhooks.router)
