from fastapi import APIRouter, Response

from actormaker.common.bus import report_backlog
from actormaker.common.metrics import METRICS_CONTENT_TYPE, exposition
from actormaker.common.subjects import EVENTS_STREAM
from actormaker.gateway.deps import BusDep
from actormaker.gateway.projector import PROJECTOR

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {METRICS_CONTENT_TYPE: {}}, "description": "Prometheus text"}},
)
async def metrics(bus: BusDep) -> Response:
    """This replica's metrics in the Prometheus text format; the projector's lag included."""
    await report_backlog(bus.js, EVENTS_STREAM, PROJECTOR)
    return Response(exposition(), media_type=METRICS_CONTENT_TYPE)
