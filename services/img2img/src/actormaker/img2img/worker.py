"""The img2img service: its settings and the resources its handler needs, for the runner."""

import contextlib
from collections.abc import AsyncIterator
from functools import partial

import httpx

from actormaker.common.bus import Bus
from actormaker.common.ledger import Nudges, ProviderLedger, ProviderSteps
from actormaker.common.production import require_safe_for_production
from actormaker.common.runpod import RunPodClient, RunPodSettings
from actormaker.common.schemas.img2img import GenerateTrainingImage
from actormaker.common.service import WorkerRoutes, WorkerService
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import open_workspace
from actormaker.img2img.generate import Generator, generate_training_image
from actormaker.img2img.render import Renderer
from actormaker.img2img.settings import Img2ImgSettings
from actormaker.img2img.workflows import load_template

SERVICE = GenerateTrainingImage.SERVICE


def img2img_service(
    common: CommonSettings, settings: Img2ImgSettings, runpod: RunPodSettings
) -> WorkerService:
    """The service `python -m actormaker.img2img` runs, and tests and benchmarks too."""
    require_safe_for_production(common.environment, common, runpod)
    return WorkerService(
        name=SERVICE,
        settings=settings,
        routes=partial(img2img_routes, common=common, settings=settings, runpod=runpod),
    )


@contextlib.asynccontextmanager
async def img2img_routes(
    bus: Bus, *, common: CommonSettings, settings: Img2ImgSettings, runpod: RunPodSettings
) -> AsyncIterator[WorkerRoutes]:
    """The handler with its RunPod client, ledger and storage; the template checked first."""
    template = load_template(common.workflows_dir)
    client = RunPodClient.from_settings(runpod, endpoint_id=runpod.img2img_endpoint_id)
    async with (
        contextlib.aclosing(client),
        httpx.AsyncClient(timeout=runpod.http_timeout_s) as downloads,
    ):
        steps = ProviderSteps(
            ledger=await ProviderLedger.open(bus.js, common),
            nudges=Nudges(bus.nc),
            poll=settings.poll_policy(),
            webhook_base_url=common.public_base_url,
            providers=[client],
        )
        storage = open_workspace(common)
        renderer = Renderer(
            runpod=client,
            steps=steps,
            storage=storage,
            downloads=downloads,
            timeout_s=settings.job_timeout_s,
        )
        generator = Generator(storage=storage, renderer=renderer, steps=steps, template=template)
        yield WorkerRoutes(
            handlers={GenerateTrainingImage: partial(generate_training_image, generator=generator)},
            on_cancelled=steps.cancel_open,
        )
