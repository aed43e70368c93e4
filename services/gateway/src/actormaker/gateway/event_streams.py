"""Server-Sent Events from the EVENTS stream: `id` is the stream sequence, `event` the type."""

from collections.abc import AsyncIterator

import nats.js.errors
from sse_starlette import ServerSentEvent

from actormaker.common.bus import Bus, StoredEvent, follow_events
from actormaker.common.digits import ascii_int
from actormaker.common.errors import InvalidInput
from actormaker.common.metrics import SSE_CLIENTS
from actormaker.common.schemas import Event, EventType, JobStatus
from actormaker.common.subjects import ALL_EVENTS, EVENTS_STREAM, event_subject
from actormaker.gateway.errors import concise
from actormaker.gateway.event_feeds import JobFeeds
from actormaker.gateway.models import Job
from actormaker.gateway.projection import job_counts

RETRY_MS = 3000
MAX_SEQUENCE = 2**63 - 1  # JetStream sequences are uint64; NATS clients take int64


def parse_last_event_id(value: str | None) -> int | None:
    """The sequence a reconnecting client last saw, from its `Last-Event-ID` header."""
    if value is None or value == "":
        return None
    sequence = ascii_int(value)
    if sequence is None or sequence > MAX_SEQUENCE:
        raise InvalidInput(
            f"Last-Event-ID must be an event id from this stream, got {concise(value, 40)!r}"
        )
    return sequence


async def counted(
    stream: AsyncIterator[ServerSentEvent], name: str
) -> AsyncIterator[ServerSentEvent]:
    """`stream`, counted in the open-SSE-clients gauge while a client holds it."""
    clients = SSE_CLIENTS.labels(name)
    clients.inc()
    try:
        async for event in stream:
            yield event
    finally:
        clients.dec()


def to_sse(stored: StoredEvent) -> ServerSentEvent:
    """One stored event as an SSE message."""
    # The stored bytes are already the JSON envelope: forward them untouched, so each of many
    # clients costs a string copy rather than a parse and a dump.
    return ServerSentEvent(
        data=stored.data.decode(), event=stored.type, id=str(stored.seq), retry=RETRY_MS
    )


async def job_event_stream(
    bus: Bus, feeds: JobFeeds, job: Job, *, after: int | None
) -> AsyncIterator[ServerSentEvent]:
    """A job's events after `after` (all when None), live ones next, ending after job.finished."""
    if JobStatus(job.status).is_final:
        finished_seq = await _finished_seq(bus, job)
        if finished_seq is None:
            yield _from_row(job)
            return
        if after is not None and finished_seq <= after:
            return
    async with feeds.open(job.id) as feed:
        async for stored in feed.after(after):
            yield to_sse(stored)


async def all_event_stream(
    bus: Bus, *, after: int | None, idle_check: float
) -> AsyncIterator[ServerSentEvent]:
    """Every job's events after `after` (new ones only when None), without end."""
    async for item in follow_events(
        bus.js, ALL_EVENTS, after=after, from_start=False, idle_timeout=idle_check
    ):
        if isinstance(item, StoredEvent):
            yield to_sse(item)


async def _finished_seq(bus: Bus, job: Job) -> int | None:
    try:
        stored = await bus.js.get_last_msg(
            EVENTS_STREAM, event_subject(job.id, EventType.JOB_FINISHED)
        )
    except nats.js.errors.NotFoundError:
        return None
    return stored.seq


def _from_row(job: Job) -> ServerSentEvent:
    # The job's events have aged out of the stream; its row still knows how it ended.
    event = Event(
        type=EventType.JOB_FINISHED,
        job_id=job.id,
        kind=job.kind,
        status=JobStatus(job.status),
        counts=job_counts(job),
    )
    return ServerSentEvent(
        data=event.model_dump_json(by_alias=True), event=event.type.value, retry=RETRY_MS
    )
