"""datagen worker settings: `DATAGEN_*` variables (Replicate and OpenAI have their own)."""

from pydantic import Field

from actormaker.common.providers import PollPolicy
from actormaker.common.service import WorkerSettings
from actormaker.common.settings import prefixed_config


class DatagenSettings(WorkerSettings):
    model_config = prefixed_config("DATAGEN_")

    # Items at once per replica: actor images, or style grids (each upscales its own tiles).
    concurrency: int = Field(default=6, ge=1, le=256)
    ack_wait_s: float = Field(default=60.0, gt=0)
    retry_backoff_s: tuple[float, ...] = (2.0, 10.0, 30.0, 60.0)
    poll_initial_s: float = Field(default=1.0, gt=0)
    poll_max_interval_s: float = Field(default=5.0, gt=0)
    prediction_timeout_s: float = Field(default=900.0, gt=0)
    not_found_grace_s: float = Field(default=10.0, ge=0)
    submit_grace_s: float = Field(default=20.0, ge=0)
    download_timeout_s: float = Field(default=60.0, gt=0)
    # Input images are sent to Replicate as data URIs no larger than this on their long side.
    input_max_side: int = Field(default=1536, ge=256, le=4096)
    lock_wait_s: float = Field(default=10.0, gt=0)

    def poll_policy(self) -> PollPolicy:
        return PollPolicy(
            initial=self.poll_initial_s,
            max_interval=self.poll_max_interval_s,
            timeout=self.prediction_timeout_s,
            not_found_grace=self.not_found_grace_s,
            submit_grace=self.submit_grace_s,
        )
