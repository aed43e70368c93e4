from fastapi import APIRouter
from sse_starlette import EventSourceResponse

from actormaker.gateway.deps import BusDep, LastEventId, SettingsDep
from actormaker.gateway.event_streams import all_event_stream, counted, parse_last_event_id

router = APIRouter(tags=["events"])


@router.get("/events", response_class=EventSourceResponse)
async def events(
    bus: BusDep, settings: SettingsDep, last_event_id: LastEventId = None
) -> EventSourceResponse:
    after = parse_last_event_id(last_event_id)
    stream = all_event_stream(bus, after=after, idle_check=settings.sse_idle_check_s)
    return EventSourceResponse(counted(stream, "all"), ping=int(settings.sse_ping_s))
