"""A Replicate prediction as a ledger step whose output image is kept in workspace storage.

Replicate deletes outputs after an hour, so the image is copied at once; the ledger keeps where
it is, and a redelivery gets that back instead of paying for the prediction again.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image
from pydantic import BaseModel

from actormaker.common.bus import ItemContext
from actormaker.common.downloads import download
from actormaker.common.errors import InvalidImage, PermanentError
from actormaker.common.images import decode_image, encode_png, from_base64, inspect_image, to_base64
from actormaker.common.ledger import ProviderSteps
from actormaker.common.providers import JobState, ProviderJob
from actormaker.common.replicate import ReplicateModel
from actormaker.common.storage import Storage, join_key

_FRACTION = {JobState.QUEUED: 0.1, JobState.RUNNING: 0.4}
InputBuilder = Callable[[], Awaitable[dict[str, Any]]]


class StoredImage(BaseModel):
    key: str
    width: int
    height: int
    prediction_id: str


def work_prefix(ctx: ItemContext) -> str:
    """Where an item keeps what it made until it is saved: `work/<job>/<item>`."""
    return join_key("work", str(ctx.job_id), str(ctx.item_id))


def work_key(ctx: ItemContext, name: str) -> str:
    return join_key(work_prefix(ctx), name)


def data_uri(image: Image.Image, *, max_side: int) -> str:
    """`image` as a PNG data URI, no larger than `max_side` on its long side."""
    copy = image.copy()
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return "data:image/png;base64," + to_base64(encode_png(copy))


@dataclass(frozen=True, kw_only=True)
class Predictions:
    steps: ProviderSteps
    storage: Storage
    downloads: httpx.AsyncClient

    async def image(
        self, ctx: ItemContext, step: str, model: ReplicateModel, inputs: InputBuilder
    ) -> StoredImage:
        """Step `step`'s image: the prediction made once, its output stored under work/."""

        async def request() -> dict[str, Any]:
            return {"input": await inputs()}

        async def keep(job: ProviderJob) -> StoredImage:
            url = output_url(job.output)
            try:
                if url.startswith("data:"):  # an inline output needs no download
                    data = from_base64(url)
                else:
                    data = await download(self.downloads, url, what=f"{step} output")
                info = inspect_image(data)
            except InvalidImage as error:
                raise PermanentError(
                    f"{step}: Replicate returned no usable image: {error}"
                ) from error
            key = work_key(ctx, f"{step}{info.extension}")
            await self.storage.write(key, data, content_type=info.mime)
            return StoredImage(key=key, width=info.width, height=info.height, prediction_id=job.id)

        async def report(job: ProviderJob) -> None:
            fraction = _FRACTION.get(job.state)
            await ctx.progress(f"{step}: {model.name} {job.status}", fraction=fraction)

        return await self.steps.provider_job(
            ctx, step, model, request, result=StoredImage, collect=keep, on_status=report
        )

    async def load(self, stored: StoredImage) -> Image.Image:
        data = await self.storage.read(stored.key)
        return await asyncio.to_thread(lambda: decode_image(data).convert("RGB"))


def output_url(output: object) -> str:
    """The file URL of an image model's output: one URL, or the first of a list."""
    if isinstance(output, list) and output:
        output = output[0]
    if isinstance(output, str) and output.startswith(("https://", "http://", "data:")):
        return output
    raise PermanentError(f"Replicate output is not an image URL: {str(output)[:200]!r}")
