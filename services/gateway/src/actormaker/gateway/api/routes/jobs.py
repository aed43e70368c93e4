from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status
from sse_starlette import EventSourceResponse

from actormaker.common.schemas import JobStatus
from actormaker.gateway.deps import (
    BusDep,
    FeedsDep,
    JobDep,
    LastEventId,
    SessionDep,
    SettingsDep,
)
from actormaker.gateway.event_streams import counted, job_event_stream, parse_last_event_id
from actormaker.gateway.jobs import cancel_job, list_jobs, load_items
from actormaker.gateway.presenters import job_accepted, job_public, job_summary
from actormaker.gateway.retries import retry_job
from actormaker.gateway.schemas import JobAccepted, JobPublic, JobsPage
from actormaker.gateway.training.starts import TRAINING_JOB

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("")
async def jobs(
    session: SessionDep,
    kind: str | None = None,
    status: JobStatus | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JobsPage:
    page, next_cursor = await list_jobs(
        session, kind=kind, status=status, cursor=cursor, limit=limit
    )
    return JobsPage(data=[job_summary(job) for job in page], next_cursor=next_cursor)


@router.get("/{job_id}")
async def job(job: JobDep, session: SessionDep) -> JobPublic:
    return job_public(job, await load_items(session, job.id))


@router.post("/{job_id}/cancel", status_code=status.HTTP_202_ACCEPTED)
async def cancel(job_id: UUID, session: SessionDep, bus: BusDep) -> JobAccepted:
    return job_accepted(await cancel_job(session, bus, job_id))


# A training version belongs to the one run it started: a new version is a new start.
_NOT_RETRIED = {TRAINING_JOB: "start a new training version instead"}


@router.post("/{job_id}/retry", status_code=status.HTTP_202_ACCEPTED)
async def retry(job_id: UUID, session: SessionDep, bus: BusDep) -> JobAccepted:
    """A new job for the failed and cancelled items of a finished job (409 when none)."""
    return job_accepted(await retry_job(session, bus, job_id, refused_kinds=_NOT_RETRIED))


@router.get("/{job_id}/events", response_class=EventSourceResponse)
async def job_events(
    job: JobDep,
    bus: BusDep,
    feeds: FeedsDep,
    settings: SettingsDep,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    stream = job_event_stream(bus, feeds, job, after=parse_last_event_id(last_event_id))
    return EventSourceResponse(counted(stream, "job"), ping=int(settings.sse_ping_s))
