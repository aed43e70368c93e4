"""What a handler gets besides its command: progress reporting and the job's cancel flag."""

from typing import Protocol
from uuid import UUID, uuid4, uuid5

from pydantic import JsonValue

from actormaker.common.bus.client import Bus
from actormaker.common.errors import WorkCancelled
from actormaker.common.schemas import Event, EventType

# An item ends once: a redelivery that reports its end again publishes the same message id,
# which JetStream stores once, so followers see one item.succeeded per item.
_ONCE_PER_ITEM = frozenset(
    {EventType.ITEM_SUCCEEDED, EventType.ITEM_FAILED, EventType.ITEM_CANCELLED}
)


class ItemAddress(Protocol):
    @property
    def job_id(self) -> UUID: ...
    @property
    def item_id(self) -> UUID: ...
    @property
    def item_key(self) -> str: ...
    @property
    def group(self) -> str | None: ...


class ItemContext:
    """One delivery of one item: which attempt it is, and how to tell the world about it."""

    def __init__(self, bus: Bus, item: ItemAddress, *, attempt: int, max_attempts: int) -> None:
        self._bus = bus
        self.job_id = item.job_id
        self.item_id = item.item_id
        self.item_key = item.item_key
        self.group = item.group
        self.attempt = attempt
        self.max_attempts = max_attempts

    @property
    def last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts

    async def emit(
        self,
        event_type: EventType,
        *,
        message: str | None = None,
        progress: float | None = None,
        output: dict[str, JsonValue] | None = None,
    ) -> None:
        """Publish an event about this item."""
        event_id = uuid5(self.item_id, event_type) if event_type in _ONCE_PER_ITEM else uuid4()
        await self._bus.publish_event(
            Event(
                id=event_id,
                type=event_type,
                job_id=self.job_id,
                item_id=self.item_id,
                item_key=self.item_key,
                group=self.group,
                attempt=self.attempt,
                message=message,
                progress=progress,
                output=output,
            )
        )

    async def progress(self, message: str, *, fraction: float | None = None) -> None:
        """Report how far this item has got."""
        await self.emit(EventType.ITEM_PROGRESS, message=message, progress=fraction)

    async def warn(self, message: str) -> None:
        """Report something the user should know that does not stop the item."""
        await self.emit(EventType.ITEM_WARNING, message=message)

    async def is_cancelled(self) -> bool:
        """Whether the job this item belongs to has been cancelled."""
        return await self._bus.is_cancelled(self.job_id)

    async def raise_if_cancelled(self) -> None:
        """Stop this item if its job has been cancelled."""
        if await self.is_cancelled():
            raise WorkCancelled("job cancelled")
