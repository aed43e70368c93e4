"""What the actor API reads and answers. Table rows and wire messages stay separate."""

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actormaker.common.errors import InvalidName
from actormaker.common.schemas import JobStatus
from actormaker.common.storage import validate_name


def _storable_name(name: str) -> str:
    try:
        return validate_name(name)
    except InvalidName as error:
        raise ValueError(error.reason) from None


# Actor ids are PostgreSQL INTEGERs.
MAX_ACTOR_ID = 2**31 - 1
ActorId = Annotated[int, Field(ge=0, le=MAX_ACTOR_ID)]


class ActorRecord(BaseModel):
    """One entry of actorsData.json; fields this API does not model are kept as they are."""

    model_config = ConfigDict(extra="allow")

    id: ActorId
    name: str
    age: str | int | None = None
    sex: str | None = None
    ethnicity: str | None = None
    good: bool = False

    _name = field_validator("name")(_storable_name)


class ActorImport(BaseModel):
    total: int
    created: int
    updated: int


class ActorPublic(BaseModel):
    id: int
    name: str
    age: str | None
    sex: str | None
    ethnicity: str | None
    good: bool
    record: dict[str, Any]


class ActorsPage(BaseModel):
    data: list[ActorPublic]
    count: int


class TrainingDataRecord(BaseModel):
    s3_urls: list[str]
    local_path: str
    base_image_path: str | None
    count: int
    local_count: int
    synced: bool


class ActorDetail(ActorPublic):
    training_data: TrainingDataRecord


class TrainingDataView(BaseModel):
    """The seed's GET training-data answer."""

    actor_id: int
    actor_name: str
    s3_urls: list[str]
    local_images: list[str]
    base_image_path: str | None
    synced: bool


class FileSelection(BaseModel):
    """Which files to sync: all when both are omitted, else the union of the two."""

    model_config = ConfigDict(extra="forbid")

    indices: list[int] | None = Field(default=None, description="i of {actor}_{i}.png")
    filenames: list[str] | None = None


class SyncFromS3Request(FileSelection):
    actor_name: str | None = None
    s3_urls: list[str] | None = Field(default=None, description="default: response.json's URLs")


class SyncToS3Request(FileSelection):
    actor_name: str | None = None


class ActorDownload(FileSelection):
    actor_id: ActorId
    s3_urls: list[str] | None = None


class ActorUpload(FileSelection):
    actor_id: ActorId


class ActorsDownloadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actors: list[ActorDownload] = Field(min_length=1)


class ActorsUploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actors: list[ActorUpload] = Field(min_length=1)


class ActorDownloadCounts(BaseModel):
    actor_id: int
    actor_name: str
    downloaded: int
    skipped: int
    failed: int
    total: int
    errors: list[str]


class ActorUploadCounts(BaseModel):
    actor_id: int
    actor_name: str
    uploaded: int
    skipped: int
    failed: int
    total: int
    s3_urls: list[str]
    errors: list[str]


class DownloadSummary(BaseModel):
    """The seed's sync-from-s3 answer; `downloaded` includes files that already matched."""

    job_id: UUID
    status: JobStatus
    downloaded: int
    skipped: int
    failed: int
    total: int
    errors: list[str]
    actors: list[ActorDownloadCounts]


class UploadSummary(BaseModel):
    """The seed's sync-to-s3 answer; `uploaded` includes objects that already matched."""

    job_id: UUID
    status: JobStatus
    uploaded: int
    skipped: int
    failed: int
    total: int
    s3_urls: list[str]
    errors: list[str]
    actors: list[ActorUploadCounts]


class LocalRemoval(BaseModel):
    actor_id: int
    actor_name: str
    removed: list[str]
    freed_bytes: int


class ActorStorage(BaseModel):
    actor_id: int | None = Field(description="null for a folder with no actor in the catalog")
    actor_name: str
    files: int
    bytes: int
    training_images: int
    training_bytes: int
    base_image_bytes: int


class StorageTotals(BaseModel):
    actors: int
    files: int
    bytes: int
    training_images: int
    training_bytes: int


class StorageUsage(BaseModel):
    actors: list[ActorStorage]
    total: StorageTotals
