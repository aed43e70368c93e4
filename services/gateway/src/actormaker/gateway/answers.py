"""How a seed route answers: the seed's result once its job is over, or 202 with the job.

The seed's scripts waited for their answer, so that is the default. A client that would rather
follow the job asks with `Prefer: respond-async` (RFC 7240); a job that outlasts
`JOB_WAIT_TIMEOUT_S` is answered the same way.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Response, status

from actormaker.common.schemas import JobStatus
from actormaker.gateway.deps import Services
from actormaker.gateway.jobs import load_items, wait_for_job
from actormaker.gateway.models import Job, JobItem
from actormaker.gateway.presenters import job_accepted
from actormaker.gateway.schemas import JobAccepted

R = TypeVar("R")

ASYNC_ANSWER: dict[int | str, dict[str, Any]] = {
    status.HTTP_202_ACCEPTED: {
        "model": JobAccepted,
        "description": "the job, at once: asked for with `Prefer: respond-async`, or the job "
        "outlasted JOB_WAIT_TIMEOUT_S",
    }
}


async def answer_when_done(
    services: Services,
    job: Job,
    present: Callable[[Job, list[JobItem]], R],
    *,
    respond_async: bool,
    response: Response,
) -> R | JobAccepted:
    """`present(job, items)` once the job is over (200), else 202 with the job."""
    if not respond_async and (finished := await _finished(services, job)):
        return present(*finished)
    response.status_code = status.HTTP_202_ACCEPTED
    if respond_async:
        response.headers["Preference-Applied"] = "respond-async"
    return job_accepted(job)


async def _finished(services: Services, job: Job) -> tuple[Job, list[JobItem]] | None:
    within = services.settings.job_wait_timeout_s
    job = await wait_for_job(services.bus, services.sessions, job.id, within=within)
    if not JobStatus(job.status).is_final:
        return None
    # A fresh session: the request's own still holds the item rows as they were submitted.
    async with services.sessions() as session:
        return job, await load_items(session, job.id)
