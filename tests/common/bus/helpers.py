"""Commands, handlers and event readers for worker-runtime tests."""

import asyncio
from collections.abc import Callable
from uuid import UUID, uuid4

from actormaker.common.bus import Bus, StoredEvent, follow_events
from actormaker.common.schemas import Command, Event, EventType
from actormaker.common.subjects import job_events


def unique_service() -> str:
    return f"t{uuid4().hex[:10]}"


def command_type(service: str) -> type[Command]:
    """A command class of a service of the test's own, so no two tests share a consumer."""

    class Echo(Command):
        SERVICE = service
        ACTION = "echo"
        text: str = "hello"

    return Echo


def new_command(cls: type[Command], job_id: UUID | None = None, **fields: object) -> Command:
    return cls(job_id=job_id or uuid4(), item_id=uuid4(), item_key="item-1", **fields)


async def events_until(
    bus: Bus,
    job_id: UUID,
    done: Callable[[list[Event]], bool],
    *,
    within: float = 15.0,
) -> list[Event]:
    """Every event of a job from the start, until `done(events)` holds."""
    seen: list[Event] = []

    async def read() -> list[Event]:
        async for item in follow_events(bus.js, job_events(job_id), idle_timeout=0.5):
            if isinstance(item, StoredEvent):
                seen.append(item.event)
            if done(seen):
                return seen
        raise AssertionError("unreachable")

    try:
        return await asyncio.wait_for(read(), within)
    except TimeoutError:
        kinds = [f"{e.type}#{e.attempt}" for e in seen]
        raise AssertionError(f"condition not met within {within} s; saw {kinds}") from None


def has(event_type: EventType, count: int = 1) -> Callable[[list[Event]], bool]:
    return lambda events: sum(e.type is event_type for e in events) >= count


def final(events: list[Event]) -> bool:
    return any(
        e.type in (EventType.ITEM_SUCCEEDED, EventType.ITEM_FAILED, EventType.ITEM_CANCELLED)
        for e in events
    )
