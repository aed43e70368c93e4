"""Events: what happened to a job or one of its items. Published on `evt.job.<job_id>.<type>`."""

from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, JsonValue

from actormaker.common.schemas.base import Message


class EventType(StrEnum):
    JOB_ACCEPTED = "job.accepted"
    JOB_CANCEL_REQUESTED = "job.cancel_requested"
    JOB_FINISHED = "job.finished"
    ITEM_STARTED = "item.started"
    ITEM_PROGRESS = "item.progress"
    ITEM_WARNING = "item.warning"
    ITEM_RETRYING = "item.retrying"
    ITEM_SUCCEEDED = "item.succeeded"
    ITEM_FAILED = "item.failed"
    ITEM_CANCELLED = "item.cancelled"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self not in (JobStatus.QUEUED, JobStatus.RUNNING)


class ItemStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def rank(self) -> int:
        """Items only move to a higher rank: queued < running < any final state."""
        return {ItemStatus.QUEUED: 0, ItemStatus.RUNNING: 1}.get(self, 2)

    @property
    def is_final(self) -> bool:
        return self.rank == 2


ITEM_STATUS_BY_EVENT = {
    EventType.ITEM_STARTED: ItemStatus.RUNNING,
    EventType.ITEM_PROGRESS: ItemStatus.RUNNING,
    EventType.ITEM_WARNING: ItemStatus.RUNNING,
    EventType.ITEM_RETRYING: ItemStatus.RUNNING,
    EventType.ITEM_SUCCEEDED: ItemStatus.SUCCEEDED,
    EventType.ITEM_FAILED: ItemStatus.FAILED,
    EventType.ITEM_CANCELLED: ItemStatus.CANCELLED,
}


class JobCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    total: int = 0
    queued: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0


class Event(Message):
    """Something that happened to a job, or to one item of it when `item_id` is set."""

    SCHEMA = "event/1"

    type: EventType
    job_id: UUID
    item_id: UUID | None = None
    item_key: str | None = None
    group: str | None = None
    attempt: int | None = None
    message: str | None = None
    progress: float | None = None
    output: dict[str, JsonValue] | None = None
    status: JobStatus | None = None
    counts: JobCounts | None = None
    kind: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.type is EventType.JOB_FINISHED
