"""Follow a job's events from a stream sequence: the stored ones, then live ones.

Each follower owns a small ephemeral consumer. If the server restarts or the consumer vanishes,
the follower makes a new one starting after the last sequence it yielded, so a reader sees every
event once and in order.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cached_property

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.nuid import NUID

from actormaker.common.schemas import Event, EventType
from actormaker.common.subjects import EVENTS_STREAM

log = logging.getLogger(__name__)

_BATCH = 256
_nuid = NUID()


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored: its sequence, subject and JSON bytes, parsed only when asked."""

    seq: int
    subject: str
    data: bytes

    @property
    def type(self) -> str:
        # evt.job.<job_id>.<type>, where the type itself holds a dot (item.succeeded)
        return self.subject.split(".", 3)[3]

    @property
    def is_terminal(self) -> bool:
        return self.type == EventType.JOB_FINISHED

    @cached_property
    def event(self) -> Event:
        return Event.from_bytes(self.data)


@dataclass(frozen=True)
class Idle:
    """Nothing happened for a while: a good moment for a keep-alive."""


def _start(after: int | None, *, from_start: bool) -> dict[str, object]:
    if after is not None:
        return {"deliver_policy": DeliverPolicy.BY_START_SEQUENCE, "opt_start_seq": after + 1}
    return {"deliver_policy": DeliverPolicy.ALL if from_start else DeliverPolicy.NEW}


async def follow_events(
    js: JetStreamContext,
    subject_filter: str,
    *,
    after: int | None = None,
    from_start: bool = True,
    idle_timeout: float = 15.0,
) -> AsyncIterator[StoredEvent | Idle]:
    """Yield events on `subject_filter` after sequence `after`, forever; Idle when quiet.

    With no `after`, start at the first stored event (`from_start`) or at the next new one.
    """
    while True:
        name = f"follow_{_nuid.next().decode()}"
        config = ConsumerConfig(
            name=name,
            filter_subject=subject_filter,
            ack_policy=AckPolicy.NONE,
            inactive_threshold=max(60.0, idle_timeout * 4),
            mem_storage=True,
            **_start(after, from_start=from_start),
        )
        try:
            await js.add_consumer(EVENTS_STREAM, config)
            subscription = await js.pull_subscribe_bind(name, stream=EVENTS_STREAM)
        except (nats.errors.Error, nats.js.errors.Error) as error:
            log.warning("event follower could not start", extra={"error": repr(error)})
            await asyncio.sleep(0.5)
            continue
        try:
            async for item in _read(subscription, idle_timeout):
                if isinstance(item, StoredEvent):
                    after = item.seq
                yield item
        except (nats.errors.Error, nats.js.errors.Error) as error:
            log.warning("event follower restarting", extra={"error": repr(error), "after": after})
            await asyncio.sleep(0.5)
        finally:
            with contextlib.suppress(nats.errors.Error, nats.js.errors.Error):
                await subscription.unsubscribe()
            with contextlib.suppress(nats.errors.Error, nats.js.errors.Error):
                await js.delete_consumer(EVENTS_STREAM, name)


async def _read(subscription: object, idle_timeout: float) -> AsyncIterator[StoredEvent | Idle]:
    while True:
        try:
            messages = await subscription.fetch(_BATCH, timeout=idle_timeout)  # type: ignore[attr-defined]
        except (nats.errors.TimeoutError, TimeoutError):
            yield Idle()
            continue
        for msg in messages:
            yield StoredEvent(msg.metadata.sequence.stream, msg.subject, msg.data)
