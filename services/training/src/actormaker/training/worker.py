"""The training service: its settings and the resources its handler shares, for the runner."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial

import httpx

from actormaker.common.bus import Bus
from actormaker.common.comfy import WorkflowTemplate
from actormaker.common.ledger import Nudges, ProviderLedger, ProviderSteps, training_webhook_url
from actormaker.common.production import require_safe_for_production
from actormaker.common.replicate import ReplicateConnection, ReplicateSettings
from actormaker.common.runpod import RunPodClient, RunPodSettings
from actormaker.common.s3client import s3_clients
from actormaker.common.schemas.training import Backend, TrainLora
from actormaker.common.service import WorkerRoutes, WorkerService
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import open_workspace
from actormaker.training.loras import LoraKeeper
from actormaker.training.replicate_trainer import ReplicateTrainings
from actormaker.training.runpod_trainer import RunPodTrainer, load_training_template
from actormaker.training.runs import TrainingRuns
from actormaker.training.settings import TrainingSettings
from actormaker.training.uploads import DatasetUploader

SERVICE = TrainLora.SERVICE


@dataclass(frozen=True, kw_only=True)
class Providers:
    """Where the trainers are: the seed's RunPod endpoint, and Replicate's trainings API."""

    runpod: RunPodSettings
    replicate: ReplicateSettings


def training_service(
    common: CommonSettings, settings: TrainingSettings, providers: Providers
) -> WorkerService:
    """The service `python -m actormaker.training` runs, and tests too."""
    require_safe_for_production(common.environment, common, providers.runpod, providers.replicate)
    template = load_training_template(common.workflows_dir)  # a broken template stops the start
    return WorkerService(
        name=SERVICE,
        settings=settings,
        routes=partial(
            training_routes,
            common=common,
            settings=settings,
            providers=providers,
            template=template,
        ),
    )


@contextlib.asynccontextmanager
async def training_routes(
    bus: Bus,
    *,
    common: CommonSettings,
    settings: TrainingSettings,
    providers: Providers,
    template: WorkflowTemplate,
) -> AsyncIterator[WorkerRoutes]:
    runpod = RunPodClient.from_settings(
        providers.runpod, endpoint_id=providers.runpod.training_endpoint_id
    )
    replicate = ReplicateConnection(providers.replicate)
    trainer = replicate.trainer(
        settings.replicate_trainer,
        settings.replicate_trainer_version,
        destination=settings.replicate_destination,
    )
    async with (
        contextlib.aclosing(runpod),
        contextlib.aclosing(replicate),
        httpx.AsyncClient(timeout=settings.download_timeout_s) as downloads,
        s3_clients(common)() as s3,
    ):
        storage = open_workspace(common)
        keeper = LoraKeeper(storage=storage, max_bytes=settings.lora_max_bytes)
        steps = ProviderSteps(
            ledger=await ProviderLedger.open(bus.js, common),
            nudges=Nudges(bus.nc),
            poll=settings.poll_policy(),
            webhook_base_url=common.public_base_url,
            webhook_route=training_webhook_url,
            providers=[runpod, trainer],
        )
        uploader = DatasetUploader(
            s3=s3,
            storage=storage,
            bucket=settings.bucket,
            prefix=settings.dataset_prefix,
            concurrency=settings.upload_concurrency,
        )
        backends = {
            Backend.RUNPOD: RunPodTrainer(
                client=runpod,
                template=template,
                settings=settings,
                s3=s3,
                s3_endpoint=common.s3_endpoint_url,
                keeper=keeper,
            ),
            Backend.REPLICATE: ReplicateTrainings(
                trainer=trainer, settings=settings, s3=s3, http=downloads, keeper=keeper
            ),
        }
        runs = TrainingRuns(steps=steps, uploader=uploader, backends=backends)
        yield WorkerRoutes(handlers={TrainLora: runs.train}, on_cancelled=steps.cancel_open)
