"""training worker settings: `TRAINING_*` variables (RunPod and Replicate have their own)."""

from pydantic import Field

from actormaker.common.service import ProviderWorkerSettings
from actormaker.common.settings import prefixed_config


class TrainingSettings(ProviderWorkerSettings):
    model_config = prefixed_config("TRAINING_")

    # Runs at once per replica: each mostly waits on a GPU somewhere else.
    concurrency: int = Field(default=8, ge=1, le=256)
    ack_wait_s: float = Field(default=60.0, gt=0)
    retry_backoff_s: tuple[float, ...] = (5.0, 30.0, 60.0, 120.0)
    # Where datasets are uploaded for the trainer to download, and where it puts LoRAs.
    bucket: str = Field(default="actormaker-training", min_length=3)
    dataset_prefix: str = "training_data"
    upload_concurrency: int = Field(default=16, ge=1, le=128)
    # The seed container's training_config identity fields.
    user_id: str = "actor_maker_user"
    tenant_id: str = "actor_maker"
    # RunPod's default executionTimeout (10 min) is far too short for a training run.
    execution_timeout_s: float = Field(default=4 * 3600.0, gt=0)
    poll_initial_s: float = Field(default=2.0, gt=0)
    poll_max_interval_s: float = Field(default=30.0, gt=0)
    run_timeout_s: float = Field(default=5 * 3600.0, gt=0)
    # Replicate: the trainer, and the model (yours, existing) that receives each version.
    replicate_trainer: str = "ostris/flux-dev-lora-trainer"
    replicate_trainer_version: str = Field(
        default="e440909d3512c31646ee2e0c7d6f6f4923224863a6a10c494606e79fb5844497",
        pattern=r"^[0-9a-f]{64}$",
    )
    replicate_destination: str = Field(
        default="actormaker/loras", pattern=r"^[a-z0-9_.-]+/[a-z0-9_.-]+$"
    )
    # The presigned URL Replicate downloads the dataset zip from stays valid this long.
    replicate_zip_url_ttl_s: int = Field(default=6 * 3600, ge=60)
    lora_max_bytes: int = Field(default=2 * 1024**3, gt=0)
    download_timeout_s: float = Field(default=600.0, gt=0)

    @property
    def provider_timeout_s(self) -> float:
        return self.run_timeout_s
