"""datagen worker settings: `DATAGEN_*` variables (Replicate and OpenAI have their own)."""

from pydantic import Field

from actormaker.common.service import ProviderWorkerSettings
from actormaker.common.settings import prefixed_config


class DatagenSettings(ProviderWorkerSettings):
    model_config = prefixed_config("DATAGEN_")

    # Items at once per replica: actor images, or style grids (each upscales its own tiles).
    concurrency: int = Field(default=6, ge=1, le=256)
    ack_wait_s: float = Field(default=60.0, gt=0)
    retry_backoff_s: tuple[float, ...] = (2.0, 10.0, 30.0, 60.0)
    prediction_timeout_s: float = Field(default=900.0, gt=0)
    download_timeout_s: float = Field(default=60.0, gt=0)
    # Input images are sent to Replicate as data URIs no larger than this on their long side.
    input_max_side: int = Field(default=1536, ge=256, le=4096)
    lock_wait_s: float = Field(default=10.0, gt=0)

    @property
    def provider_timeout_s(self) -> float:
        return self.prediction_timeout_s
