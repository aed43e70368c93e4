from fastapi import APIRouter, Depends

from actormaker.gateway.api.routes import events, health, jobs
from actormaker.gateway.deps import require_api_key

api_router = APIRouter(prefix="/api", dependencies=[Depends(require_api_key)])
api_router.include_router(jobs.router)
api_router.include_router(events.router)

health_router = health.router
