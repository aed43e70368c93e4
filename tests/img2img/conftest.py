"""The whole stack per test: gateway → NATS → the real img2img worker → RunPod emulator → storage.

Each test gets its own data folder and database; the RunPod emulator is shared by the session
and reset for every test. The worker is the same service its __main__ runs, in this process or
(for crash tests) as a child process.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from actormaker.common.bus import Worker
from actormaker.common.runpod import RunPodSettings
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import Storage
from actormaker.devstack.processes import ManagedProcess
from actormaker.emulators.runpod import RunningRunPod
from actormaker.img2img.settings import Img2ImgSettings
from actormaker.img2img.worker import img2img_service
from tests.conftest import RUNPOD_TEST_KEY
from tests.gateway.conftest import Database, Gateway, database, gateway_settings, running_gateway
from tests.processes import in_process_worker, service_process, settings_env
from tests.styles.conftest import WORKFLOWS

__all__ = ["database"]

API_KEY = RUNPOD_TEST_KEY
ENDPOINT_ID = "img2img-e2e"


def img2img_settings(**overrides: Any) -> Img2ImgSettings:
    fast: dict[str, Any] = {
        "concurrency": 4,
        "poll_initial_s": 0.01,
        "poll_max_interval_s": 0.05,
        "job_timeout_s": 10,
        "ack_wait_s": 5,
        "max_deliver": 3,
        "retry_backoff_s": (0.2,),
        "fetch_timeout_s": 0.2,
        "shutdown_grace_s": 0.5,
    }
    return Img2ImgSettings(**fast | overrides)


def runpod_settings(runpod: RunningRunPod) -> RunPodSettings:
    return RunPodSettings(
        base_url=runpod.api_base,
        api_key=API_KEY,
        img2img_endpoint_id=ENDPOINT_ID,
        retry_initial_s=0.01,
        retry_max_s=0.05,
        requests_per_second=500,
    )


def img2img_worker(
    common: CommonSettings, settings: Img2ImgSettings, runpod: RunPodSettings
) -> AbstractAsyncContextManager[Worker]:
    return in_process_worker(common, img2img_service(common, settings, runpod))


@dataclass(frozen=True)
class Stack:
    gateway: Gateway
    runpod: RunningRunPod
    common: CommonSettings
    worker_settings: Img2ImgSettings
    logs: Path

    @property
    def client(self) -> httpx.AsyncClient:
        return self.gateway.client

    @property
    def storage(self) -> Storage:
        return self.gateway.services.storage

    def worker(self, **overrides: Any) -> AbstractAsyncContextManager[Worker]:
        """Another img2img worker in this process (settings as the stack's, with `overrides`)."""
        settings = self.worker_settings.model_copy(update=overrides)
        return img2img_worker(self.common, settings, runpod_settings(self.runpod))

    def worker_process(self, name: str) -> AbstractAsyncContextManager[ManagedProcess]:
        """An img2img worker as a child process, configured like the stack's, to kill."""
        env = settings_env(self.common, self.worker_settings, runpod_settings(self.runpod))
        return service_process("actormaker.img2img", env, self.logs / f"{name}.log")

    async def emulate(self, **changes: Any) -> None:
        """Change the emulator's behaviour through its admin API, as a benchmark would."""
        async with httpx.AsyncClient(base_url=self.runpod.url) as admin:
            response = await admin.put("/_emulator/config", json=changes)
            response.raise_for_status()

    async def emulated_jobs(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.runpod.url) as admin:
            return (await admin.get("/_emulator/jobs")).json()["jobs"]

    async def provider_stats(self) -> dict[str, int]:
        """What the emulator saw for our endpoint: jobs submitted, polled, cancelled."""
        async with httpx.AsyncClient(base_url=self.runpod.url) as admin:
            stats = (await admin.get("/_emulator/stats")).json()["endpoints"]
        return stats.get(ENDPOINT_ID, {"submitted": 0, "polled": 0, "cancelled": 0})


StackFactory = Callable[..., AbstractAsyncContextManager[Stack]]


@pytest.fixture
def make_stack(
    settings: CommonSettings, database: Database, tmp_path: Path, runpod: RunningRunPod
) -> StackFactory:
    """Start the stack: `common` changes every service's settings, keywords the worker's.

    With `webhooks` the workers give RunPod the gateway's webhook URL. With `worker=False` no
    worker runs: the test starts its own (in-process or as a process).
    """

    @asynccontextmanager
    async def start(
        *,
        common: dict[str, Any] | None = None,
        gateway: dict[str, Any] | None = None,
        webhooks: bool = False,
        worker: bool = True,
        **worker_overrides: Any,
    ) -> AsyncIterator[Stack]:
        own = {"data_dir": tmp_path / "data", "workflows_dir": WORKFLOWS} | (common or {})
        shared = CommonSettings.model_validate(settings.model_dump() | own)
        configured = gateway_settings(shared, database, **(gateway or {}))
        worker_settings = img2img_settings(**worker_overrides)
        async with running_gateway(configured) as running:
            if webhooks:
                shared = shared.model_copy(update={"public_base_url": running.url})
            stack = Stack(running, runpod, shared, worker_settings, tmp_path)
            if not worker:
                yield stack
                return
            async with stack.worker():
                yield stack

    return start


@pytest.fixture
async def stack(make_stack: StackFactory) -> AsyncIterator[Stack]:
    async with make_stack() as running:
        yield running
