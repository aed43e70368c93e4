"""Tables of the training feature: frozen dataset versions and training versions (one per run)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, DateTime, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from actormaker.common.schemas import utcnow


class DatasetVersion(SQLModel, table=True):
    """An immutable dataset manifest, stored once under the hash of its content."""

    __tablename__ = "dataset_version"

    id: str = Field(primary_key=True, sa_type=String(64))
    owner_kind: str = Field(sa_type=String(8), index=True)
    owner_id: str = Field(sa_type=String(64), index=True)
    image_count: int
    total_bytes: int
    manifest: dict[str, Any] = Field(sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class TrainingVersion(SQLModel, table=True):
    """One training run of a style or an actor (or one imported from training_versions.json).

    A run's status, progress and LoRA come from its job item, which the projector keeps
    current whichever of webhook, poll or redelivery moved it: no second writer exists that
    could duplicate the row. Imported versions carry their own status and LoRA URL.
    """

    __tablename__ = "training_version"
    __table_args__ = (UniqueConstraint("owner_kind", "owner_id", "number"),)

    id: str = Field(primary_key=True, sa_type=String(128))
    owner_kind: str = Field(sa_type=String(8), index=True)
    owner_id: str = Field(sa_type=String(64), index=True)
    number: int
    name: str = Field(sa_type=String(200))
    description: str | None = Field(default=None, sa_type=Text)
    backend: str = Field(default="runpod", sa_type=String(16))
    parameters: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    config: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    selection_set_id: int | None = None
    image_count: int = 0
    dataset_version_id: str | None = Field(default=None, foreign_key="dataset_version.id")
    job_id: UUID | None = Field(default=None, foreign_key="job.id", index=True)
    lora_key: str | None = Field(default=None, sa_type=String(500))
    chosen: bool = False
    imported: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
