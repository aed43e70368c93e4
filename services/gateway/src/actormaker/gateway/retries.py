"""Retrying a finished job's failed and cancelled items as a new job of the same kind.

Each item's command is stored with it, so a retry sends the same work again under new job and
item ids: the provider-job ledger, keyed by those ids, sees new work, not a redelivery.
"""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.bus import Bus
from actormaker.common.schemas import Command, ItemStatus, JobStatus
from actormaker.gateway.errors import Conflict
from actormaker.gateway.jobs import JobDraft, load_items, load_job, submit_job
from actormaker.gateway.models import Job, JobItem

_RETRIED = (ItemStatus.FAILED, ItemStatus.CANCELLED)
# What a new command gets afresh rather than from the stored one.
_FRESH = frozenset({"schema", "id", "time", "job_id", "item_id", "item_key", "group"})


async def retry_job(
    session: AsyncSession, bus: Bus, job_id: UUID, *, refused_kinds: Mapping[str, str]
) -> Job:
    """A new job for the failed and cancelled items of a finished job; Conflict when none.

    `refused_kinds` names the kinds that are not retried this way, and why.
    """
    job = await load_job(session, job_id)
    if reason := refused_kinds.get(job.kind):
        raise Conflict(f"job {job_id} ({job.kind}) is not retried: {reason}")
    if not JobStatus(job.status).is_final:
        raise Conflict(f"job {job_id} is {job.status}: wait for it to end, or cancel it")
    items = [item for item in await load_items(session, job.id) if item.status in _RETRIED]
    if not items:
        raise Conflict(f"job {job_id} has no failed or cancelled item to retry")
    draft = JobDraft(kind=job.kind)
    commands = [_again(draft, item) for item in items]
    request: dict[str, Any] = {"retry_of": str(job.id), "items": [item.key for item in items]}
    return await submit_job(session, bus, draft, commands, request=request)


def _again(draft: JobDraft, item: JobItem) -> Command:
    stored = item.command
    command_type = Command.by_schema(stored["schema"])
    fields = {name: value for name, value in stored.items() if name not in _FRESH}
    return draft.command(command_type, key=item.key, group=item.group, **fields)
