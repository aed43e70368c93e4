"""Fold events into job and item rows: idempotent, and never moving a row backwards."""

import logging
from collections.abc import Sequence
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.schemas import (
    ITEM_STATUS_BY_EVENT,
    Event,
    EventType,
    ItemStatus,
    JobCounts,
    JobStatus,
    utcnow,
)
from actormaker.gateway.models import Job, JobItem

log = logging.getLogger(__name__)

_COUNTED = ("queued", "running", "succeeded", "failed", "cancelled")


def job_counts(job: Job) -> JobCounts:
    """The job's item counts by status."""
    return JobCounts(total=job.total, **{name: getattr(job, name) for name in _COUNTED})


def final_status(job: Job) -> JobStatus:
    """The status of a job all of whose items are final."""
    if job.cancel_requested and job.cancelled:
        return JobStatus.CANCELLED
    if job.failed == 0 and job.cancelled == 0:
        return JobStatus.SUCCEEDED
    if job.succeeded == 0:
        return JobStatus.FAILED if job.failed else JobStatus.CANCELLED
    return JobStatus.PARTIAL


async def apply_events(session: AsyncSession, events: Sequence[Event]) -> list[Job]:
    """Apply events in order; return the final jobs whose `job.finished` should be published."""
    to_announce: dict[UUID, Job] = {}
    for event in events:
        job = await _locked_job(session, event.job_id)
        if job is None:
            log.warning("event for an unknown job", extra={"job_id": event.job_id})
            continue
        was_final = JobStatus(job.status).is_final
        if event.type is EventType.JOB_CANCEL_REQUESTED:
            job.cancel_requested = True
        elif event.type in ITEM_STATUS_BY_EVENT:
            await _apply_item_event(session, job, event)
        _finish_if_done(job)
        final_item_event = ITEM_STATUS_BY_EVENT.get(event.type, ItemStatus.RUNNING).is_final
        if JobStatus(job.status).is_final and (not was_final or final_item_event):
            to_announce[job.id] = job
    return list(to_announce.values())


async def _locked_job(session: AsyncSession, job_id: UUID) -> Job | None:
    result = await session.exec(select(Job).where(Job.id == job_id).with_for_update())  # type: ignore[attr-defined]
    return result.first()


async def _apply_item_event(session: AsyncSession, job: Job, event: Event) -> None:
    item = await session.get(JobItem, event.item_id) if event.item_id else None
    if item is None or item.job_id != job.id:
        log.warning("event for an unknown item", extra={"job_id": job.id, "item_id": event.item_id})
        return
    current = ItemStatus(item.status)
    target = ITEM_STATUS_BY_EVENT[event.type]
    if current.is_final or target.rank < current.rank:
        return
    attempt = event.attempt or item.attempts
    if attempt < item.attempts:
        return
    if target is not current:
        _move(job, current, target)
        item.status = target
    item.attempts = attempt
    item.updated_at = job.updated_at = utcnow()
    _record_details(item, event)
    if target is ItemStatus.RUNNING and job.status == JobStatus.QUEUED:
        job.status = JobStatus.RUNNING
        job.started_at = event.time


def _move(job: Job, source: ItemStatus, target: ItemStatus) -> None:
    setattr(job, source.value, getattr(job, source.value) - 1)
    setattr(job, target.value, getattr(job, target.value) + 1)


def _record_details(item: JobItem, event: Event) -> None:
    match event.type:
        case EventType.ITEM_STARTED:
            item.progress = None
            item.message = None
        case EventType.ITEM_PROGRESS:
            item.progress = event.progress if event.progress is not None else item.progress
            item.message = event.message
        case EventType.ITEM_WARNING | EventType.ITEM_RETRYING | EventType.ITEM_CANCELLED:
            item.message = event.message
        case EventType.ITEM_SUCCEEDED:
            item.progress = 1.0
            item.output = event.output
        case EventType.ITEM_FAILED:
            item.error = event.message


def _finish_if_done(job: Job) -> None:
    if JobStatus(job.status).is_final or job.queued or job.running:
        return
    job.status = final_status(job)
    job.finished_at = job.updated_at = utcnow()
