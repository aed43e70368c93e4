"""What the RunPod emulator tells about itself and its callers: per-endpoint stats, job ids with
RunPod's suffixes, and webhooks sent when jobs finish (once, twice, late, retried)."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from actormaker.emulators.serving import serve_in_background
from tests.emulators.conftest import ENDPOINT_ID, Img2ImgInput
from tests.emulators.test_runpod_emulator import FINAL, configure, submit, wait_for


@dataclass
class Receiver:
    url: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes to answer, then 200s

    async def received(self, count: int, within: float = 5.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(within):
            while len(self.calls) < count:  # noqa: ASYNC110 - filled by another task's server
                await asyncio.sleep(0.01)
        return self.calls


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    app = FastAPI()
    state = Receiver(url="")

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        state.calls.append(await request.json())
        return Response(status_code=state.answers.pop(0) if state.answers else 200)

    async with serve_in_background(app) as url:
        state.url = f"{url}/hook"
        yield state


async def stats(admin: httpx.AsyncClient) -> dict[str, int]:
    response = await admin.get("/stats")
    assert response.status_code == 200
    return response.json()["endpoints"][ENDPOINT_ID]


async def test_stats_count_jobs_submitted_polled_and_cancelled_per_endpoint(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input: Img2ImgInput
) -> None:
    first = await submit(endpoint, img2img_input())
    await submit(endpoint, img2img_input())
    await wait_for(endpoint, first, FINAL)
    await endpoint.post(f"/cancel/{first}")

    counted = await stats(admin)

    assert counted["submitted"] == 2
    assert counted["polled"] >= 1
    assert counted["cancelled"] == 1
    assert counted["webhooks_sent"] == 0


async def test_job_ids_can_carry_the_e1_suffix(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input: Img2ImgInput
) -> None:
    await configure(admin, job_id_suffix="-e1")

    job_id = await submit(endpoint, img2img_input())

    assert job_id.endswith("-e1")
    assert (await wait_for(endpoint, job_id, FINAL))["status"] == "COMPLETED"


async def test_a_finished_job_calls_its_webhook_with_the_job_object(
    endpoint: httpx.AsyncClient, img2img_input: Img2ImgInput, receiver: Receiver
) -> None:
    job_id = await submit(endpoint, img2img_input(), webhook=receiver.url)

    [call] = await receiver.received(1)

    assert (call["id"], call["status"], call["webhook"]) == (job_id, "COMPLETED", receiver.url)
    assert call["output"]["images"]
    assert "workflow" in call["input"]


async def test_webhooks_can_come_twice_and_late(
    endpoint: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    img2img_input: Img2ImgInput,
    receiver: Receiver,
) -> None:
    await configure(admin, webhook_deliveries=2, webhook_delay_s=0.5)
    job_id = await submit(endpoint, img2img_input(), webhook=receiver.url)
    await wait_for(endpoint, job_id, FINAL)
    assert receiver.calls == [], "the webhook is late: the job is final before it comes"

    calls = await receiver.received(2)

    assert [call["id"] for call in calls] == [job_id, job_id]
    assert (await stats(admin))["webhooks_sent"] == 2


async def test_a_webhook_is_retried_until_it_gets_a_200(
    endpoint: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    img2img_input: Img2ImgInput,
    receiver: Receiver,
) -> None:
    await configure(admin, webhook_retry_interval_s=0.05)
    receiver.answers = [500, 503]

    await submit(endpoint, img2img_input(), webhook=receiver.url)

    assert len(await receiver.received(3)) == 3
    await asyncio.sleep(0.2)
    assert len(receiver.calls) == 3, "no more after the 200"


async def test_finished_jobs_can_be_forgotten_sooner(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input: Img2ImgInput
) -> None:
    await configure(admin, retention_s=0.2)
    job_id = await submit(endpoint, img2img_input())
    await wait_for(endpoint, job_id, FINAL)
    await asyncio.sleep(0.3)

    assert (await endpoint.get(f"/status/{job_id}")).status_code == 404
