"""What the job API answers. Table rows stay inside; these are their public shapes."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, field_validator

from actormaker.common.schemas import ItemStatus, JobCounts, JobStatus


def as_utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every time we store is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class ErrorMessage(BaseModel):
    """Every error answer but a request validation failure."""

    detail: str


class FieldProblem(BaseModel):
    loc: list[str | int]  # where: ["body", "images", 0, "filename"]
    msg: str
    type: str


class ValidationFailed(BaseModel):
    """A 422: what is wrong with which field, or a sentence when the check was not per field."""

    detail: list[FieldProblem] | str


class JobAccepted(BaseModel):
    job_id: UUID
    status: JobStatus
    status_url: str
    events_url: str


class JobItemPublic(BaseModel):
    id: UUID
    key: str
    group: str | None
    status: ItemStatus
    attempts: int
    progress: float | None
    message: str | None
    output: dict[str, Any] | None
    error: str | None


class JobSummary(BaseModel):
    id: UUID
    kind: str
    status: JobStatus
    cancel_requested: bool
    counts: JobCounts
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None

    _utc = field_validator("created_at", "started_at", "finished_at")(as_utc)


class JobPublic(JobSummary):
    request: dict[str, Any]
    items: list[JobItemPublic]


class JobsPage(BaseModel):
    data: list[JobSummary]
    next_cursor: str | None
