"""Replicate's trainings API as the second backend (TRAINING_NOTES section 4).

The dataset goes as one zip (images with a `.txt` caption each) behind a presigned URL; the
trigger is in the captions already, so autocaption is off. Progress is read from the logs,
the LoRA from the `lora.safetensors` inside the weights tar.
"""

import re
from dataclasses import dataclass
from typing import Any

import httpx

from actormaker.common.bus import ItemContext
from actormaker.common.downloads import download
from actormaker.common.errors import PermanentError
from actormaker.common.providers import ProviderJob
from actormaker.common.replicate import ReplicateTrainer
from actormaker.common.schemas.training import TrainedLora, TrainLora
from actormaker.training.backends import report_steps
from actormaker.training.loras import LoraKeeper, lora_from_tar
from actormaker.training.settings import TrainingSettings
from actormaker.training.uploads import UploadedDataset

# The last "450/1000" of the trainer's tqdm lines is how far it got.
_STEP = re.compile(r"(\d+)/(\d+)\s*\[")
MAX_REPLICATE_STEPS = 6000


@dataclass(frozen=True, kw_only=True)
class ReplicateTrainings:
    """A `TrainingBackend` on a Replicate trainer."""

    trainer: ReplicateTrainer
    settings: TrainingSettings
    s3: Any
    http: httpx.AsyncClient
    keeper: LoraKeeper
    wants_zip: bool = True

    @property
    def jobs(self) -> ReplicateTrainer:
        return self.trainer

    async def request(self, command: TrainLora, dataset: UploadedDataset) -> dict[str, Any]:
        if dataset.zip_key is None:
            raise PermanentError("the dataset was uploaded without its zip")
        config = command.config
        # Presigned when the job is submitted, so a resubmit gets a fresh URL.
        zip_url = await self.s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": dataset.bucket, "Key": dataset.zip_key},
            ExpiresIn=self.settings.replicate_zip_url_ttl_s,
        )
        return {
            "input": {
                "input_images": zip_url,
                "trigger_word": command.trigger,
                "autocaption": False,
                "steps": config.max_train_steps,
                "lora_rank": config.network_dim,
                "learning_rate": config.learning_rate,
                "batch_size": config.batch_size,
                "resolution": str(config.resolution),
                "optimizer": config.optimizer_type.value,
                "caption_dropout_rate": 0.0,
            }
        }

    async def report(self, ctx: ItemContext, job: ProviderJob) -> None:
        steps = _STEP.findall(getattr(job, "logs", None) or "")
        step, of = (int(steps[-1][0]), int(steps[-1][1])) if steps else (None, None)
        await report_steps(ctx, "Replicate", job.status, step, of)

    async def collect(self, command: TrainLora, job: ProviderJob) -> TrainedLora:
        output = job.output if isinstance(job.output, dict) else {}
        weights = output.get("weights")
        if not isinstance(weights, str) or not weights.startswith(("https://", "http://")):
            raise PermanentError(f"Replicate training {job.id} returned no weights URL: {output}")
        tar = await download(self.http, weights, what=f"training {job.id} weights")
        data = lora_from_tar(tar, what=f"training {job.id}'s weights")
        return await self.keeper.keep(command, data, provider_job_id=job.id, provider_url=weights)
