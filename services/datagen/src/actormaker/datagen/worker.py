"""The datagen service: its settings and the resources its handlers share, for the runner."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial

import httpx

from actormaker.common.assets import AssetBucket
from actormaker.common.bus import Bus
from actormaker.common.ledger import Nudges, ProviderLedger, ProviderSteps
from actormaker.common.locks import FileLocks
from actormaker.common.production import require_safe_for_production
from actormaker.common.replicate import ReplicateConnection, ReplicateSettings
from actormaker.common.s3client import s3_clients
from actormaker.common.schemas.datagen import GenerateActorImage, GenerateStyleGrid
from actormaker.common.service import WorkerRoutes, WorkerService
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import open_workspace
from actormaker.common.vision import OpenAISettings, VisionModel
from actormaker.datagen.actor_set import ActorSet
from actormaker.datagen.predictions import Predictions
from actormaker.datagen.settings import DatagenSettings
from actormaker.datagen.sources import Sources
from actormaker.datagen.style_set import StyleSet

SERVICE = GenerateActorImage.SERVICE


@dataclass(frozen=True, kw_only=True)
class Providers:
    """Where datagen's providers are: Replicate for images, OpenAI for the vision questions."""

    replicate: ReplicateSettings
    openai: OpenAISettings


def datagen_service(
    common: CommonSettings, settings: DatagenSettings, providers: Providers
) -> WorkerService:
    """The service `python -m actormaker.datagen` runs, and tests and benchmarks too."""
    require_safe_for_production(common.environment, common, providers.replicate, providers.openai)
    return WorkerService(
        name=SERVICE,
        settings=settings,
        routes=partial(datagen_routes, common=common, settings=settings, providers=providers),
    )


@contextlib.asynccontextmanager
async def datagen_routes(
    bus: Bus, *, common: CommonSettings, settings: DatagenSettings, providers: Providers
) -> AsyncIterator[WorkerRoutes]:
    replicate = ReplicateConnection(providers.replicate)
    vision = VisionModel(providers.openai)
    kontext = replicate.model(providers.replicate.kontext_model)
    upscale = replicate.model(providers.replicate.upscale_model)
    locks = await FileLocks.declare(
        bus.js, wait=settings.lock_wait_s, replicas=common.stream_replicas
    )
    async with (
        contextlib.aclosing(replicate),
        contextlib.aclosing(vision),
        httpx.AsyncClient(timeout=settings.download_timeout_s) as downloads,
        s3_clients(common)() as s3,
    ):
        storage = open_workspace(common)
        assets = AssetBucket.from_settings(common)
        steps = ProviderSteps(
            ledger=await ProviderLedger.open(bus.js, common),
            nudges=Nudges(bus.nc),
            poll=settings.poll_policy(),
            webhook_base_url=common.public_base_url,
            providers=[kontext],  # any model: status and cancel are per prediction
        )
        predictions = Predictions(steps=steps, storage=storage, downloads=downloads)
        sources = Sources(storage=storage, http=downloads, s3=s3, assets=assets)
        actors = ActorSet(
            predictions=predictions,
            steps=steps,
            kontext=kontext,
            sources=sources,
            s3=s3,
            assets=assets,
            locks=locks,
            input_max_side=settings.input_max_side,
        )
        styles = StyleSet(
            predictions=predictions,
            steps=steps,
            kontext=kontext,
            upscale=upscale,
            vision=vision,
            sources=sources,
            locks=locks,
            input_max_side=settings.input_max_side,
        )
        yield WorkerRoutes(
            handlers={
                GenerateActorImage: actors.make,
                GenerateStyleGrid: styles.make,
            },
            on_cancelled=steps.cancel_open,
        )
