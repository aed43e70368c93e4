"""Table rows to their public shapes."""

from actormaker.common.schemas import ItemStatus, JobStatus
from actormaker.gateway.models import Job, JobItem
from actormaker.gateway.projection import job_counts
from actormaker.gateway.schemas import JobAccepted, JobItemPublic, JobPublic, JobSummary


def job_accepted(job: Job) -> JobAccepted:
    return JobAccepted(
        job_id=job.id,
        status=JobStatus(job.status),
        status_url=f"/api/jobs/{job.id}",
        events_url=f"/api/jobs/{job.id}/events",
    )


def job_summary(job: Job) -> JobSummary:
    return JobSummary(
        id=job.id,
        kind=job.kind,
        status=JobStatus(job.status),
        cancel_requested=job.cancel_requested,
        counts=job_counts(job),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        error=job.error,
    )


def item_public(item: JobItem) -> JobItemPublic:
    return JobItemPublic(
        id=item.id,
        key=item.key,
        group=item.group,
        status=ItemStatus(item.status),
        attempts=item.attempts,
        progress=item.progress,
        message=item.message,
        output=item.output,
        error=item.error,
    )


def job_public(job: Job, items: list[JobItem]) -> JobPublic:
    return JobPublic(
        **job_summary(job).model_dump(),
        request=job.request,
        items=[item_public(item) for item in items],
    )
