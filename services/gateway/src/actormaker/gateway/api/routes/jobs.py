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
from actormaker.gateway.schemas import JobAccepted, JobPublic, JobsPage

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
