"""One training run as ledger steps: upload the dataset, train once, keep the LoRA.

The upload is a local step (a redelivery after it skips it); training is a provider step, so a
crash or a restart of this service re-attaches to the running job instead of paying for a
second one, and only a user's cancel cancels it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from actormaker.common.bus import ItemContext
from actormaker.common.ledger import ProviderSteps
from actormaker.common.providers import ProviderJob
from actormaker.common.schemas.training import Backend, TrainedLora, TrainLora
from actormaker.training.backends import TrainingBackend
from actormaker.training.uploads import DatasetUploader, UploadedDataset

UPLOAD_STEP = "upload"
TRAIN_STEP = "train"


@dataclass(frozen=True, kw_only=True)
class TrainingRuns:
    steps: ProviderSteps
    uploader: DatasetUploader
    backends: Mapping[Backend, TrainingBackend]

    async def train(self, command: TrainLora, ctx: ItemContext) -> TrainedLora:
        backend = self.backends[command.backend]
        await ctx.progress(
            f"{command.version_id}: {command.image_count} images, "
            f"{command.config.max_train_steps} steps on {command.backend.value}"
        )

        async def upload() -> UploadedDataset:
            return await self.uploader.upload(ctx, command, as_zip=backend.wants_zip)

        dataset = await self.steps.local(ctx, UPLOAD_STEP, UploadedDataset, upload)

        async def request() -> dict[str, Any]:
            return await backend.request(command, dataset)

        async def collect(job: ProviderJob) -> TrainedLora:
            await ctx.progress(f"{command.version_id}: trained; keeping the LoRA", fraction=0.95)
            return await backend.collect(command, job)

        async def report(job: ProviderJob) -> None:
            await backend.report(ctx, job)

        return await self.steps.provider_job(
            ctx,
            TRAIN_STEP,
            backend.jobs,
            request,
            result=TrainedLora,
            collect=collect,
            on_status=report,
        )
