"""img2img worker settings: the shared ones plus RunPod, pacing and retry behaviour."""

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator

from actormaker.common.settings import SETTINGS_CONFIG, CommonSettings


class Img2ImgServiceSettings(CommonSettings):
    model_config = SETTINGS_CONFIG

    runpod_base_url: str = "https://api.runpod.ai/v2"
    runpod_api_key: SecretStr | None = None
    runpod_img2img_endpoint_id: str = Field(default="img2img", min_length=1)
    runpod_max_attempts: int = Field(default=5, ge=1)
    runpod_retry_initial_s: float = Field(default=0.5, gt=0)
    runpod_retry_max_s: float = Field(default=30.0, gt=0)
    runpod_http_timeout_s: float = Field(default=60.0, gt=0)

    img2img_concurrency: int = Field(default=4, ge=1, le=256)
    img2img_requests_per_second: float = Field(default=10.0, gt=0)
    img2img_poll_initial_s: float = Field(default=1.0, gt=0)
    img2img_poll_max_interval_s: float = Field(default=5.0, gt=0)
    img2img_job_timeout_s: float = Field(default=900.0, gt=0)
    img2img_not_found_grace_s: float = Field(default=10.0, ge=0)
    img2img_ack_wait_s: float = Field(default=30.0, gt=0)
    img2img_max_deliver: int = Field(default=5, ge=1)
    img2img_retry_backoff_s: tuple[float, ...] = (2.0, 10.0, 30.0, 60.0)
    img2img_fetch_timeout_s: float = Field(default=2.0, gt=0)  # also bounds how long a stop takes

    workflows_dir: Path = Path("workflows")

    @model_validator(mode="after")
    def _require_runpod_key_in_production(self) -> Self:
        if self.environment == "production" and not self.runpod_api_key:
            raise ValueError("RUNPOD_API_KEY must be set when ENVIRONMENT=production")
        return self
