"""Where the local stack listens and keeps its files; every port can be moved by env."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class DevstackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEVSTACK_", env_file=".env", extra="ignore")

    var_dir: Path = Path("var")
    nats_port: int = 14222
    s3_port: int = 14566
    runpod_port: int = 14100
    replicate_port: int = 14101
    openai_port: int = 14102
    gateway_port: int = 8000
    metrics_port: int = 14900  # the first worker's /healthz and /metrics; the next one's is +1
    asset_bucket: str = "story-boards-assets"
    workspace_bucket: str = "actormaker-workspace"
    training_bucket: str = "actormaker-training"  # datasets for the trainer, and its LoRAs
    seed_demo: bool = True
    restart_delay_s: float = 2.0  # a service that dies is started again after this
    s3_snapshot_interval_s: float = 2.0  # the local S3 is mirrored to var/s3 this often
