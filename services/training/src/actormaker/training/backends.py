"""What a training backend does for a run: its provider request, its progress, its result."""

from typing import Any, Protocol

from actormaker.common.bus import ItemContext
from actormaker.common.providers import ProviderJob, ProviderJobs
from actormaker.common.schemas.training import TrainedLora, TrainLora
from actormaker.training.uploads import UploadedDataset

# Of an item's progress: the upload takes the first 5 %, training up to 95 %, the copy the rest.
TRAINING_START, TRAINING_END = 0.05, 0.95


class TrainingBackend(Protocol):
    @property
    def jobs(self) -> ProviderJobs: ...

    @property
    def wants_zip(self) -> bool:
        """Whether the trainer takes the dataset as one zip instead of file URLs."""
        ...

    async def request(self, command: TrainLora, dataset: UploadedDataset) -> dict[str, Any]: ...

    async def report(self, ctx: ItemContext, job: ProviderJob) -> None: ...

    async def collect(self, command: TrainLora, job: ProviderJob) -> TrainedLora: ...


async def report_steps(
    ctx: ItemContext, provider: str, status: str, step: int | None, of: int | None
) -> None:
    """One progress event: the provider's status, and the training step when it is known."""
    if step is None or not of:
        await ctx.progress(f"{provider} training {status}", fraction=TRAINING_START)
        return
    share = min(max(step / of, 0.0), 1.0)
    await ctx.progress(
        f"{provider} training {status}: step {step}/{of}",
        fraction=TRAINING_START + (TRAINING_END - TRAINING_START) * share,
    )
