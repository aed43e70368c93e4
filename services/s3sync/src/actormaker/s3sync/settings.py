"""s3sync settings: the shared ones plus how many transfers run at once and how they retry."""

from pydantic import Field

from actormaker.common.settings import SETTINGS_CONFIG, CommonSettings


class S3SyncSettings(CommonSettings):
    model_config = SETTINGS_CONFIG

    s3sync_concurrency: int = Field(default=8, ge=1, le=64)
    s3sync_ack_wait_s: float = Field(default=30.0, gt=0)
    s3sync_max_deliver: int = Field(default=5, ge=1)
    s3sync_lock_wait_s: float = Field(default=20.0, gt=0)
    # How long one pull waits for commands; it also bounds how long stopping takes.
    s3sync_fetch_timeout_s: float = Field(default=2.0, gt=0)
