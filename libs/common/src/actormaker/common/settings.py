"""Settings every service shares. Service-specific settings live in each service's settings.py."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from actormaker.common.production import secret_problem, url_problem

DEFAULT_NATS_URL = "nats://127.0.0.1:14222"

SETTINGS_CONFIG = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")


def prefixed_config(prefix: str) -> SettingsConfigDict:
    """The settings config of one service or provider: its variables start with `prefix`."""
    return SettingsConfigDict(**SETTINGS_CONFIG, env_prefix=prefix)


class CommonSettings(BaseSettings):
    """Connection, storage and logging settings read from the environment (or `.env`)."""

    model_config = SETTINGS_CONFIG

    environment: Literal["local", "test", "production"] = "local"

    nats_url: str = DEFAULT_NATS_URL
    nats_connect_timeout: float = 10.0
    events_max_age_s: float = 7 * 24 * 3600
    commands_max_age_s: float = 7 * 24 * 3600
    commands_duplicate_window_s: float = 300.0
    stream_replicas: int = 1

    storage: Literal["local", "s3"] = "local"
    data_dir: Path = Path("var/data")
    workspace_bucket: str = "actormaker-workspace"

    s3_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    aws_access_key_id: SecretStr | None = None
    aws_secret_access_key: SecretStr | None = None

    # The team's asset bucket (actor training data) and the other buckets s3sync may read.
    # The gateway refuses URLs outside them before queueing anything; the worker checks again.
    s3sync_asset_bucket: str = "story-boards-assets"
    s3sync_asset_prefix: str = "system_actors/training_data"
    s3sync_allowed_buckets: list[str] = []

    # Where providers can reach the gateway's webhook route (e.g. https://actormaker.example.com).
    # Unset: no webhooks are sent and workers find out by polling alone.
    public_base_url: str | None = Field(default=None, pattern=r"^https?://[^\s?#]+$")

    workflows_dir: Path = Path("workflows")  # ComfyUI templates and their bindings

    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    # A worker's /healthz and /metrics listener (the gateway serves both on its own port).
    # Unset: none; 0: a free port, logged at start.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"

    def production_problems(self) -> list[str]:
        """What ENVIRONMENT=production refuses here (see actormaker.common.production)."""
        problems = url_problem("S3_ENDPOINT_URL", self.s3_endpoint_url, "a real S3")
        # No keys at all is fine: the default chain (an instance role) supplies them.
        for variable, key in (
            ("AWS_ACCESS_KEY_ID", self.aws_access_key_id),
            ("AWS_SECRET_ACCESS_KEY", self.aws_secret_access_key),
        ):
            if key is not None:
                problems += secret_problem(variable, key)
        return problems
