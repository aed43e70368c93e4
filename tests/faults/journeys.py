"""What the fault tests do and check: start jobs, follow them as a reconnecting SSE client, and
verify that every item ended with a result or a reason and every event arrived exactly once."""

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import SSEError, aconnect_sse

from tests.faults.conftest import FaultStack
from tests.styles.builders import create_style, picture, unique, upload

FINAL_ITEM_STATES = {"succeeded", "failed"}


@dataclass
class Follower:
    """A client of one job's event stream that reconnects with Last-Event-ID whenever it breaks."""

    stack: FaultStack
    job_id: str
    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    reconnects: int = 0

    async def run(self) -> None:
        while not self.finished:
            with contextlib.suppress(httpx.TransportError, SSEError, httpx.HTTPStatusError):
                await self._read()
            if not self.finished:
                self.reconnects += 1
                await asyncio.sleep(0.2)

    @property
    def finished(self) -> bool:
        return bool(self.events) and self.events[-1][1] == "job.finished"

    @property
    def ids(self) -> list[int]:
        return [event_id for event_id, _, _ in self.events]

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [data for _, kind, data in self.events if kind == event_type]

    async def _read(self) -> None:
        headers = {"Last-Event-ID": str(self.ids[-1])} if self.events else {}
        timeout = httpx.Timeout(5, read=30)
        async with (
            self.stack.client(timeout=timeout) as client,
            aconnect_sse(
                client, "GET", f"/api/jobs/{self.job_id}/events", headers=headers
            ) as source,
        ):
            source.response.raise_for_status()
            async for event in source.aiter_sse():
                if not event.data:
                    continue  # a keep-alive; httpx-sse reports it, EventSource does not
                try:
                    data = json.loads(event.data)
                except ValueError:
                    raise AssertionError(f"not a JSON event: {event!r}") from None
                self.events.append((int(event.id), event.event, data))
                if event.event == "job.finished":
                    return


def follow(
    stack: FaultStack, job_id: str, clients: int = 1
) -> tuple[list[Follower], asyncio.Future[list[None]]]:
    """`clients` reconnecting SSE clients of the job, reading in the background until its end."""
    followers = [Follower(stack, job_id) for _ in range(clients)]
    return followers, asyncio.gather(*(follower.run() for follower in followers))


async def style_with_images(stack: FaultStack, images: int) -> str:
    """A style with `images` captioned base images."""
    async with stack.client() as client:
        style = await create_style(client)
        for index in range(images):
            name = f"{unique(f'fault{index}_')}.jpg"
            answer = await upload(client, name, picture(seed=index), caption=f"scene {index}")
            assert answer.status_code == 201, answer.text
    return style["id"]


async def generate(stack: FaultStack, style_id: str, select: str = "all") -> str:
    """Start a job generating the style's training images; its id."""
    async with stack.client() as client:
        accepted = await client.post(f"/api/styles/{style_id}/generate", json={"select": select})
    assert accepted.status_code == 202, accepted.text
    return accepted.json()["job_id"]


async def style_job(stack: FaultStack, images: int) -> tuple[str, str]:
    """A style with `images` base images, and the job generating all of them."""
    style_id = await style_with_images(stack, images)
    return style_id, await generate(stack, style_id)


async def until(condition: Any, within: float = 30.0) -> None:
    """Wait until `condition()` (sync or async) is true."""
    async with asyncio.timeout(within):
        while True:
            outcome = condition()
            if asyncio.iscoroutine(outcome):
                outcome = await outcome
            if outcome:
                return
            await asyncio.sleep(0.05)


async def finished_job(stack: FaultStack, job_id: str, within: float = 60.0) -> dict[str, Any]:
    """The job once it is over, asked again while the gateway is away."""
    async with asyncio.timeout(within):
        while True:
            with contextlib.suppress(httpx.TransportError):
                async with stack.client() as client:
                    job = (await client.get(f"/api/jobs/{job_id}")).json()
                if job.get("finished_at"):
                    return job
            await asyncio.sleep(0.2)


async def replayed_ids(stack: FaultStack, job_id: str) -> list[int]:
    """Every stored event id of the job, read from the start by a fresh client."""
    follower = Follower(stack, job_id)
    await asyncio.wait_for(follower.run(), 30)
    return follower.ids


def assert_every_item_settled(job: dict[str, Any]) -> None:
    for item in job["items"]:
        assert item["status"] in FINAL_ITEM_STATES, item
        if item["status"] == "failed":
            assert item["error"], f"{item['key']} failed without a reason"


async def assert_events_exactly_once(
    stack: FaultStack, job_id: str, followers: list[Follower]
) -> int:
    """Every follower saw the stored event list, in order, each event once; returns its length."""
    stored = await replayed_ids(stack, job_id)
    assert stored == sorted(set(stored))
    for follower in followers:
        assert follower.ids == stored, (len(follower.ids), len(stored))
    assert not stack.tally.server_errors, stack.tally.server_errors
    return len(stored)
