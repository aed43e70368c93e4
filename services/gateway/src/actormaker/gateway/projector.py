"""The projector: a durable consumer of EVENTS that keeps job rows current.

It commits before it publishes `job.finished`, so whoever sees that event reads the final row.
"""

import logging

from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.bus import BatchConsumer, Bus
from actormaker.common.metrics import ITEMS_FINISHED, JOBS_FINISHED
from actormaker.common.schemas import Event, EventType
from actormaker.common.subjects import ALL_EVENTS, EVENTS_STREAM
from actormaker.gateway.jobs import publish_finished
from actormaker.gateway.projection import apply_events

log = logging.getLogger(__name__)

PROJECTOR = "projector"


def create_projector(bus: Bus, sessions: async_sessionmaker[AsyncSession]) -> BatchConsumer:
    """The projector's consumer loop; start() it with the gateway."""

    async def project(messages: list[Msg]) -> None:
        events = _parse(messages)
        try:
            async with sessions() as session:
                finished = await apply_events(session, events)
                await session.commit()
        except SQLAlchemyError:
            log.exception("projection failed; the batch will be redelivered")
            for msg in messages:
                await msg.nak(delay=1.0)
            return
        for job in finished:
            await publish_finished(bus, job)
        for msg in messages:
            await msg.ack()
        _count_finished(events)

    config = ConsumerConfig(
        name=PROJECTOR,
        durable_name=PROJECTOR,
        filter_subject=ALL_EVENTS,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        # A batch is a few row updates: 10 s is ample, and it is how long the events a killed
        # replica had pulled wait before another replica, or its restart, projects them.
        ack_wait=10,
        max_ack_pending=10_000,
    )
    return BatchConsumer(bus.js, stream=EVENTS_STREAM, config=config, handle=project)


def _count_finished(events: list[Event]) -> None:
    # `job.finished` is stored once per job and the projector consumer is shared by every
    # replica, so counting it here counts each job once.
    for event in events:
        if event.type is not EventType.JOB_FINISHED or event.counts is None:
            continue
        kind, status = event.kind or "unknown", event.status.value if event.status else "unknown"
        JOBS_FINISHED.labels(kind, status).inc()
        for outcome in ("succeeded", "failed", "cancelled"):
            if amount := getattr(event.counts, outcome):
                ITEMS_FINISHED.labels(kind, outcome).inc(amount)


def _parse(messages: list[Msg]) -> list[Event]:
    events = []
    for msg in messages:
        try:
            events.append(Event.from_bytes(msg.data))
        except ValidationError:
            log.exception("unreadable event skipped", extra={"subject": msg.subject})
    return events
