from actormaker.common.schemas.base import (
    Command,
    CommandAddress,
    Message,
    command_subject,
    utcnow,
)
from actormaker.common.schemas.events import (
    ITEM_STATUS_BY_EVENT,
    Event,
    EventType,
    ItemStatus,
    JobCounts,
    JobStatus,
)

__all__ = (
    "ITEM_STATUS_BY_EVENT",
    "Command",
    "CommandAddress",
    "Event",
    "EventType",
    "ItemStatus",
    "JobCounts",
    "JobStatus",
    "Message",
    "command_subject",
    "utcnow",
)
