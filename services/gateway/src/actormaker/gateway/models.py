"""Tables. The gateway is the only writer; the projector keeps job and item rows current."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from actormaker.common.schemas import ItemStatus, JobStatus, utcnow


def _time(**kwargs: Any) -> Any:
    return Field(sa_type=DateTime(timezone=True), **kwargs)


class Job(SQLModel, table=True):
    id: UUID = Field(default_factory=uuid4, primary_key=True)
    kind: str = Field(sa_type=String(64), index=True)
    status: str = Field(default=JobStatus.QUEUED, sa_type=String(16), index=True)
    cancel_requested: bool = False
    total: int = 0
    queued: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0
    created_at: datetime = _time(default_factory=utcnow, index=True)
    updated_at: datetime = _time(default_factory=utcnow)
    started_at: datetime | None = _time(default=None)
    finished_at: datetime | None = _time(default=None)
    request: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    error: str | None = None
    idempotency_key: str | None = Field(default=None, sa_type=String(255), unique=True)
    request_hash: str | None = Field(default=None, sa_type=String(64))


class JobItem(SQLModel, table=True):
    __tablename__ = "job_item"
    __table_args__ = (UniqueConstraint("job_id", "position"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    job_id: UUID = Field(foreign_key="job.id", index=True)
    position: int
    key: str
    group: str | None = None
    status: str = Field(default=ItemStatus.QUEUED, sa_type=String(16))
    attempts: int = 0
    progress: float | None = None
    message: str | None = None
    output: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    error: str | None = None
    command: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = _time(default_factory=utcnow)


class CommandOutbox(SQLModel, table=True):
    """An item whose command is not known to be queued yet: written with the job, deleted once
    JetStream has acknowledged the command; the reconciler publishes what is left."""

    __tablename__ = "command_outbox"

    item_id: UUID = Field(foreign_key="job_item.id", primary_key=True)
    job_id: UUID = Field(foreign_key="job.id", index=True)
    created_at: datetime = _time(default_factory=utcnow, index=True)
