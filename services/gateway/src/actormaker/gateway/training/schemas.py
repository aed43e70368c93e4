"""Request and answer shapes of the training API (the seed's names where the seed had them)."""

from datetime import datetime
from typing import Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actormaker.common.schemas.training import Backend, TrainingParameters
from actormaker.gateway.actors.schemas import ActorId

VersionStatus = Literal["pending", "training", "completed", "failed", "cancelled"]


class StartTraining(BaseModel):
    """`POST /api/training/start`: train a style or an actor on one of its selection sets."""

    model_config = ConfigDict(extra="forbid")

    style_id: str | None = Field(default=None, min_length=1, max_length=64)
    actor_id: ActorId | None = None
    selection_set_id: int = Field(ge=1)
    version_name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f/\\]+$")
    description: str | None = Field(default=None, max_length=2000)
    parameters: TrainingParameters = TrainingParameters()
    backend: Backend = Backend.RUNPOD
    force: bool = False  # start although a run of the same set is still pending

    @model_validator(mode="after")
    def _one_owner(self) -> Self:
        if (self.style_id is None) == (self.actor_id is None):
            raise ValueError("give exactly one of style_id and actor_id")
        return self


class RecommendedParameters(BaseModel):
    defaults: dict[str, Any]
    json_schema: dict[str, Any]


class TrainingVersionPublic(BaseModel):
    """A version as training_versions.json records it (camelCase), plus our own fields."""

    id: str
    name: str
    timestamp: datetime
    parameters: dict[str, Any]
    status: VersionStatus
    loraUrl: str | None  # noqa: N815 - the seed's field name
    selectionSetId: int | None  # noqa: N815
    imageCount: int  # noqa: N815
    description: str | None = None
    completedAt: datetime | None = None  # noqa: N815
    failedAt: datetime | None = None  # noqa: N815
    error: str | None = None
    isGood: bool | None = None  # noqa: N815
    owner: dict[str, str]
    number: int
    backend: str
    progress: float | None = None
    message: str | None = None
    config: dict[str, Any] | None = None
    dataset_version_id: str | None = None
    job_id: UUID | None = None
    events_url: str | None = None
    download_url: str | None = None
    lora: dict[str, Any] | None = None
    chosen: bool = False
    imported: bool = False


class TrainingVersions(BaseModel):
    versions: list[TrainingVersionPublic]


class TrainingStarted(BaseModel):
    job_id: UUID
    status_url: str
    events_url: str
    version: TrainingVersionPublic


class SeedVersion(BaseModel):
    """One entry of the seed's training_versions.json, as its UI saved it."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str = Field(min_length=1, max_length=200)
    timestamp: datetime | None = None
    parameters: dict[str, Any] = {}
    status: VersionStatus = "pending"
    loraUrl: str | None = Field(default=None, max_length=2000)  # noqa: N815
    selectionSetId: int | None = None  # noqa: N815
    imageCount: int = Field(default=0, ge=0)  # noqa: N815
    description: str | None = Field(default=None, max_length=2000)


class SeedVersions(BaseModel):
    """The seed's whole training_versions.json."""

    model_config = ConfigDict(extra="forbid")

    versions: list[SeedVersion] = Field(max_length=1000)


class ImportedVersions(BaseModel):
    created: list[str]
    updated: list[str]
