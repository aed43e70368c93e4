"""The whole stack per test: gateway → NATS → the real img2img worker → RunPod emulator → storage.

Each test gets its own data folder and database; the RunPod emulator is shared by the session
and reset for every test. The worker is built by the same function its __main__ uses.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from actormaker.common.bus import Bus, Worker
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import Storage
from actormaker.emulators.runpod import RunningRunPod
from actormaker.img2img.settings import Img2ImgServiceSettings
from actormaker.img2img.worker import build_worker, runpod_http
from tests.conftest import RUNPOD_TEST_KEY
from tests.gateway.conftest import Database, Gateway, database, gateway_settings, running_gateway
from tests.styles.conftest import WORKFLOWS

__all__ = ["database"]

API_KEY = RUNPOD_TEST_KEY


def worker_settings(
    common: CommonSettings, runpod: RunningRunPod, **overrides: Any
) -> Img2ImgServiceSettings:
    fast: dict[str, Any] = {
        "runpod_base_url": runpod.api_base,
        "runpod_api_key": API_KEY,
        "runpod_img2img_endpoint_id": "img2img-e2e",
        "runpod_retry_initial_s": 0.01,
        "runpod_retry_max_s": 0.05,
        "img2img_concurrency": 4,
        "img2img_requests_per_second": 500,
        "img2img_poll_initial_s": 0.01,
        "img2img_poll_max_interval_s": 0.05,
        "img2img_job_timeout_s": 10,
        "img2img_ack_wait_s": 5,
        "img2img_max_deliver": 3,
        "img2img_retry_backoff_s": (0.2,),
        "img2img_fetch_timeout_s": 0.2,
        "workflows_dir": WORKFLOWS,
    }
    return Img2ImgServiceSettings(**common.model_dump() | fast | overrides)


@asynccontextmanager
async def running_worker(settings: Img2ImgServiceSettings) -> AsyncIterator[Worker]:
    bus = await Bus.connect(settings, name="img2img-test")
    try:
        async with runpod_http(settings) as http:
            worker = await build_worker(bus, settings=settings, http=http)
            await worker.start()
            try:
                yield worker
            finally:
                await worker.stop()
    finally:
        await bus.close()


@dataclass(frozen=True)
class Stack:
    gateway: Gateway
    runpod: RunningRunPod

    @property
    def client(self) -> httpx.AsyncClient:
        return self.gateway.client

    @property
    def storage(self) -> Storage:
        return self.gateway.services.storage

    async def emulate(self, **changes: Any) -> None:
        """Change the emulator's behaviour through its admin API, as a benchmark would."""
        async with httpx.AsyncClient(base_url=self.runpod.url) as admin:
            response = await admin.put("/_emulator/config", json=changes)
            response.raise_for_status()

    async def emulated_jobs(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.runpod.url) as admin:
            return (await admin.get("/_emulator/jobs")).json()["jobs"]


StackFactory = Callable[..., AbstractAsyncContextManager[Stack]]


@pytest.fixture
def make_stack(
    settings: CommonSettings, database: Database, tmp_path: Path, runpod: RunningRunPod
) -> StackFactory:
    """Start the stack; `common` changes both services' settings, keywords the worker's."""

    @asynccontextmanager
    async def start(
        *, common: dict[str, Any] | None = None, **worker_overrides: Any
    ) -> AsyncIterator[Stack]:
        own = {"data_dir": tmp_path / "data"} | (common or {})
        shared = CommonSettings.model_validate(settings.model_dump() | own)
        configured = gateway_settings(shared, database, workflows_dir=WORKFLOWS)
        async with (
            running_gateway(configured) as gateway,
            running_worker(worker_settings(shared, runpod, **worker_overrides)),
        ):
            yield Stack(gateway=gateway, runpod=runpod)

    return start


@pytest.fixture
async def stack(make_stack: StackFactory) -> AsyncIterator[Stack]:
    async with make_stack() as running:
        yield running
