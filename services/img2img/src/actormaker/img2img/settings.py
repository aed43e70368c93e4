"""img2img worker settings: `IMG2IMG_*` variables (RunPod itself is configured by `RUNPOD_*`)."""

from pydantic import Field

from actormaker.common.providers import PollPolicy
from actormaker.common.service import WorkerSettings
from actormaker.common.settings import prefixed_config


class Img2ImgSettings(WorkerSettings):
    model_config = prefixed_config("IMG2IMG_")

    retry_backoff_s: tuple[float, ...] = (2.0, 10.0, 30.0, 60.0)
    poll_initial_s: float = Field(default=1.0, gt=0)
    poll_max_interval_s: float = Field(default=5.0, gt=0)
    job_timeout_s: float = Field(default=900.0, gt=0)
    not_found_grace_s: float = Field(default=10.0, ge=0)
    submit_grace_s: float = Field(default=20.0, ge=0)

    def poll_policy(self) -> PollPolicy:
        return PollPolicy(
            initial=self.poll_initial_s,
            max_interval=self.poll_max_interval_s,
            timeout=self.job_timeout_s,
            not_found_grace=self.not_found_grace_s,
            submit_grace=self.submit_grace_s,
        )
