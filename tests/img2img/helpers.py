"""Datasets to generate from, and following a job's events to its end."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from httpx_sse import ServerSentEvent, aconnect_sse

from tests.img2img.conftest import Stack
from tests.styles.builders import create_style, picture, unique, upload

SCENES = [
    "a movie scene of a lighthouse on a rocky coast",
    "a movie scene of a city street at night",
    "a movie scene of a cabin in a pine forest",
    "a movie scene of a desert road with cacti",
    "a movie scene of a boat on a mountain lake",
]


@dataclass(frozen=True)
class Dataset:
    style: dict[str, Any]
    images: list[str]

    @property
    def style_id(self) -> str:
        return self.style["id"]


async def new_dataset(
    stack: Stack, captions: list[str | None] | None = None, **style: Any
) -> Dataset:
    """A style and base images, one per caption (None: no caption file)."""
    created = await create_style(stack.client, **style)
    images = []
    for index, caption in enumerate(captions if captions is not None else SCENES):
        name = f"{unique(f'img{index}_')}.jpg"
        response = await upload(stack.client, name, picture(seed=index), caption=caption)
        assert response.status_code == 201, response.text
        images.append(name)
    return Dataset(created, images)


@dataclass(frozen=True)
class Finished:
    job: dict[str, Any]
    events: list[ServerSentEvent]

    def items(self) -> dict[str, dict[str, Any]]:
        return {item["key"]: item for item in self.job["items"]}

    def messages(self, event_type: str) -> list[str]:
        return [e.json().get("message") or "" for e in self.events if e.event == event_type]


async def follow(
    stack: Stack,
    job_id: UUID | str,
    *,
    on_event: Callable[[ServerSentEvent], Awaitable[None]] | None = None,
    within: float = 30.0,
) -> Finished:
    """Every event of the job until job.finished, then the final job."""
    events: list[ServerSentEvent] = []

    async def read() -> None:
        async with aconnect_sse(stack.client, "GET", f"/api/jobs/{job_id}/events") as source:
            async for event in source.aiter_sse():
                events.append(event)
                if on_event is not None:
                    await on_event(event)

    await asyncio.wait_for(read(), within)
    job = (await stack.client.get(f"/api/jobs/{job_id}")).json()
    return Finished(job, events)


async def generate(stack: Stack, style_id: str, **body: Any) -> Finished:
    response = await stack.client.post(f"/api/styles/{style_id}/generate", json=body)
    assert response.status_code == 202, response.text
    return await follow(stack, response.json()["job_id"])


async def training_images(stack: Stack, style_id: str) -> dict[str, dict[str, Any]]:
    """v1 listing, by base image name."""
    response = await stack.client.get(f"/api/styles/{style_id}/training-images")
    return {image["base_image"]: image for image in response.json()["images"]}
