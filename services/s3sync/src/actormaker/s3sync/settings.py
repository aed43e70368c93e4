"""s3sync worker settings: `S3SYNC_*` variables."""

from pydantic import Field

from actormaker.common.service import WorkerSettings
from actormaker.common.settings import prefixed_config


class S3SyncSettings(WorkerSettings):
    model_config = prefixed_config("S3SYNC_")

    concurrency: int = Field(default=8, ge=1, le=64)
    lock_wait_s: float = Field(default=20.0, gt=0)
