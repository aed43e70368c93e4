"""img2img worker settings: `IMG2IMG_*` variables (RunPod itself is configured by `RUNPOD_*`)."""

from pydantic import Field

from actormaker.common.service import ProviderWorkerSettings
from actormaker.common.settings import prefixed_config


class Img2ImgSettings(ProviderWorkerSettings):
    model_config = prefixed_config("IMG2IMG_")

    retry_backoff_s: tuple[float, ...] = (2.0, 10.0, 30.0, 60.0)
    job_timeout_s: float = Field(default=900.0, gt=0)

    @property
    def provider_timeout_s(self) -> float:
        return self.job_timeout_s
