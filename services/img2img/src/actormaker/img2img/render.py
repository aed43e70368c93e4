"""One workflow run on RunPod as a ledger step: submitted once, its image kept until saved."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel

from actormaker.common.bus import ItemContext
from actormaker.common.comfy.workflows import Workflow
from actormaker.common.ledger import ProviderSteps
from actormaker.common.providers import JobState, ProviderJob
from actormaker.common.runpod import RunPodClient
from actormaker.common.storage import Storage, join_key
from actormaker.img2img.imaging import result_image

RENDER_STEP = "render"

_FRACTION = {JobState.QUEUED: 0.2, JobState.RUNNING: 0.5, JobState.SUCCEEDED: 0.8}
# RunPod's smallest accepted executionTimeout.
_MIN_EXECUTION_TIMEOUT_MS = 5000


class RenderedImage(BaseModel):
    """A finished render, kept in workspace storage (RunPod forgets results) until it is saved."""

    key: str
    width: int
    height: int
    runpod_job_id: str


@dataclass(frozen=True, kw_only=True)
class Renderer:
    runpod: RunPodClient
    steps: ProviderSteps
    storage: Storage
    downloads: httpx.AsyncClient
    timeout_s: float

    async def render(
        self, ctx: ItemContext, workflow: Callable[[], Awaitable[Workflow]]
    ) -> RenderedImage:
        """The render of `workflow` (built only if a job has to be submitted)."""
        timeout_ms = max(round(self.timeout_s * 1000), _MIN_EXECUTION_TIMEOUT_MS)

        async def request() -> dict[str, Any]:
            return {
                "input": {"workflow": await workflow()},
                "policy": {"executionTimeout": timeout_ms},
            }

        async def keep(job: ProviderJob) -> RenderedImage:
            image = await result_image(job.output, http=self.downloads)
            key = rendered_key(ctx)
            await self.storage.write(key, image.jpeg, content_type="image/jpeg")
            return RenderedImage(
                key=key, width=image.width, height=image.height, runpod_job_id=job.id
            )

        async def report(job: ProviderJob) -> None:
            await ctx.progress(
                f"{ctx.item_key}: RunPod job {job.id} {job.status}",
                fraction=_FRACTION.get(job.state),
            )

        return await self.steps.provider_job(
            ctx,
            RENDER_STEP,
            self.runpod,
            request,
            result=RenderedImage,
            collect=keep,
            on_status=report,
        )


def rendered_key(ctx: ItemContext) -> str:
    """Where an item's finished render waits to be saved."""
    return join_key("work", str(ctx.job_id), str(ctx.item_id), "render.jpg")
