"""Jobs: create one from commands, read, list, cancel, and wait for one to finish."""

import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

import nats.errors
from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.bus import Bus, BusUnavailable, StoredEvent, follow_events
from actormaker.common.errors import InvalidInput, NotFound
from actormaker.common.metrics import JOBS_ACCEPTED
from actormaker.common.schemas import (
    Command,
    Event,
    EventType,
    JobStatus,
    command_subject,
    utcnow,
)
from actormaker.common.subjects import job_events
from actormaker.gateway.errors import Conflict
from actormaker.gateway.models import CommandOutbox, Job, JobItem
from actormaker.gateway.projection import apply_events, job_counts

log = logging.getLogger(__name__)

C = TypeVar("C", bound=Command)

_PUBLISH_CONCURRENCY = 64


@dataclass
class JobDraft:
    """A job being put together: its id is known before its commands are built."""

    kind: str
    id: UUID = field(default_factory=uuid4)

    def command(
        self, command_type: type[C], *, key: str, group: str | None = None, **fields: Any
    ) -> C:
        """A command for one new item of this job."""
        return command_type(job_id=self.id, item_id=uuid4(), item_key=key, group=group, **fields)


def _request_hash(request: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


async def submit_job(
    session: AsyncSession,
    bus: Bus,
    draft: JobDraft,
    commands: Sequence[Command],
    *,
    request: dict[str, Any],
    idempotency_key: str | None = None,
) -> Job:
    """Record the job, its items and their outbox rows, then queue one command per item.

    With an idempotency key, a repeat of the same request returns the job the first one made.
    When NATS does not take the commands in time, the job is still accepted: its commands stay
    in the outbox for the reconciler.
    """
    request_hash = _request_hash(request)
    if idempotency_key and (existing := await _job_for_key(session, idempotency_key, request_hash)):
        return existing
    job = _new_job(draft, commands, request, idempotency_key, request_hash)
    session.add(job)
    session.add_all(_new_items(job, commands))
    await session.flush()  # the outbox rows refer to the items
    session.add_all(CommandOutbox(item_id=c.item_id, job_id=job.id) for c in commands)
    try:
        await session.commit()
    except IntegrityError:
        # Two requests with one key raced; the other one's job stands.
        await session.rollback()
        existing = idempotency_key and await _job_for_key(session, idempotency_key, request_hash)
        if existing:
            return existing
        raise
    JOBS_ACCEPTED.labels(job.kind).inc()
    try:
        await publish_accepted(bus, job)
        await _queue(session, bus, job, commands)
        if not commands:
            await publish_finished(bus, job)
    except BusUnavailable as error:
        # The job is recorded and its commands are in the outbox: the reconciler queues them
        # once NATS is back, and a cancel ends the job meanwhile.
        log.warning(
            "job recorded but not yet queued", extra={"job_id": job.id, "error": str(error)}
        )
    return job


async def publish_accepted(bus: Bus, job: Job) -> None:
    """Announce a new job; announcing it again (the reconciler does) is stored once."""
    await bus.publish_event(
        Event(
            id=_once(job.id, "accepted"),
            type=EventType.JOB_ACCEPTED,
            job_id=job.id,
            kind=job.kind,
            counts=job_counts(job),
        )
    )


async def _job_for_key(session: AsyncSession, key: str, request_hash: str) -> Job | None:
    job = (await session.exec(select(Job).where(Job.idempotency_key == key))).first()
    if job is not None and job.request_hash != request_hash:
        raise Conflict(f"Idempotency-Key {key!r} was already used for a different request")
    return job


def _new_job(
    draft: JobDraft,
    commands: Sequence[Command],
    request: dict[str, Any],
    idempotency_key: str | None,
    request_hash: str,
) -> Job:
    job = Job(
        id=draft.id,
        kind=draft.kind,
        total=len(commands),
        queued=len(commands),
        request=request,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    if not commands:
        job.status = JobStatus.SUCCEEDED
        job.finished_at = job.created_at
    return job


def _new_items(job: Job, commands: Sequence[Command]) -> list[JobItem]:
    return [
        JobItem(
            id=command.item_id,
            job_id=job.id,
            position=position,
            key=command.item_key,
            group=command.group,
            command=command.model_dump(mode="json", by_alias=True),
        )
        for position, command in enumerate(commands)
    ]


async def _queue(session: AsyncSession, bus: Bus, job: Job, commands: Sequence[Command]) -> None:
    gate = asyncio.Semaphore(_PUBLISH_CONCURRENCY)

    async def publish(command: Command) -> None:
        async with gate:
            await bus.publish_command(command)

    outcomes = await asyncio.gather(*map(publish, commands), return_exceptions=True)
    queued = [c.item_id for c, outcome in zip(commands, outcomes, strict=True) if outcome is None]
    await clear_outbox(session, queued)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


async def clear_outbox(session: AsyncSession, item_ids: Sequence[UUID]) -> None:
    """Forget the outbox rows of items whose commands JetStream has taken."""
    if item_ids:
        await session.exec(delete(CommandOutbox).where(col(CommandOutbox.item_id).in_(item_ids)))  # type: ignore[call-overload]
        await session.commit()


async def publish_finished(bus: Bus, job: Job) -> None:
    """Announce that a job is over; re-announcing the same job is stored once."""
    await bus.publish_event(
        Event(
            id=_once(job.id, "finished"),
            type=EventType.JOB_FINISHED,
            job_id=job.id,
            kind=job.kind,
            status=JobStatus(job.status),
            counts=job_counts(job),
        )
    )


def _once(job_id: UUID, what: str) -> UUID:
    # One id per job and announcement, so announcing again is deduplicated by JetStream.
    return UUID(bytes=hashlib.sha256(f"{job_id}/{what}".encode()).digest()[:16], version=4)


async def load_job(session: AsyncSession, job_id: UUID) -> Job:
    """The job with this id, or NotFound."""
    job = await session.get(Job, job_id)
    if job is None:
        raise NotFound("job", str(job_id))
    return job


async def load_items(session: AsyncSession, job_id: UUID) -> list[JobItem]:
    """A job's items, in the order they were submitted."""
    query = select(JobItem).where(JobItem.job_id == job_id).order_by(col(JobItem.position))
    return list((await session.exec(query)).all())


async def list_jobs(
    session: AsyncSession,
    *,
    kind: str | None,
    status: JobStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Job], str | None]:
    """Newest jobs first, `limit` at a time; pass the returned cursor for the next page."""
    query = select(Job).order_by(col(Job.created_at).desc(), col(Job.id).desc()).limit(limit + 1)
    if kind:
        query = query.where(Job.kind == kind)
    if status:
        query = query.where(Job.status == status)
    if cursor:
        created_at, job_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                col(Job.created_at) < created_at,
                (col(Job.created_at) == created_at) & (col(Job.id) < job_id),
            )
        )
    jobs = list((await session.exec(query)).all())
    next_cursor = _encode_cursor(jobs[limit - 1]) if len(jobs) > limit else None
    return jobs[:limit], next_cursor


def _encode_cursor(job: Job) -> str:
    created = job.created_at.replace(tzinfo=job.created_at.tzinfo or UTC).astimezone(UTC)
    return base64.urlsafe_b64encode(f"{created.isoformat()}|{job.id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        created, job_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(created), UUID(job_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        message = f"invalid cursor {cursor!r}: use next_cursor from a previous page"
        raise InvalidInput(message) from error


async def cancel_job(session: AsyncSession, bus: Bus, job_id: UUID) -> Job:
    """Ask the workers to stop a job: items not yet done end as cancelled.

    Items whose commands never reached NATS end at once; a job that had nothing else running
    is then over, even while NATS is down.
    """
    job = await load_job(session, job_id)
    if JobStatus(job.status).is_final:
        raise Conflict(f"job {job_id} is already {job.status}")
    job.cancel_requested = True
    job.updated_at = utcnow()
    await _cancel_unqueued(session, job)
    await session.commit()
    try:
        await bus.request_cancel(job_id)
        await bus.publish_event(Event(type=EventType.JOB_CANCEL_REQUESTED, job_id=job_id))
        if JobStatus(job.status).is_final:
            await publish_finished(bus, job)
    except (BusUnavailable, nats.errors.Error) as error:
        if not JobStatus(job.status).is_final:
            raise BusUnavailable(f"could not cancel job {job_id}: {error!r}") from error
    return job


async def _cancel_unqueued(session: AsyncSession, job: Job) -> None:
    rows = (await session.exec(select(CommandOutbox).where(CommandOutbox.job_id == job.id))).all()
    if not rows:
        return
    cancelled = [
        Event(
            type=EventType.ITEM_CANCELLED,
            job_id=job.id,
            item_id=row.item_id,
            message="cancelled before it was queued",
        )
        for row in rows
    ]
    await apply_events(session, cancelled)
    await session.exec(delete(CommandOutbox).where(CommandOutbox.job_id == job.id))  # type: ignore[call-overload]


async def requeue(bus: Bus, item: JobItem) -> None:
    """Publish an item's command again, as it was stored with the item."""
    command = item.command
    await bus.publish_stored_command(
        command_subject(command["schema"]), json.dumps(command).encode(), msg_id=command["id"]
    )


async def wait_for_job(
    bus: Bus, sessions: async_sessionmaker[AsyncSession], job_id: UUID, *, within: float
) -> Job:
    """The job once it has finished, or as it stands when `within` seconds have passed."""

    async def finished() -> None:
        async for item in follow_events(bus.js, job_events(job_id)):
            if isinstance(item, StoredEvent) and item.is_terminal:
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(finished(), within)
    async with sessions() as session:
        return await load_job(session, job_id)
