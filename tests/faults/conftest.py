"""The whole stack as real processes, each of which a test can kill, restart or cut off.

nats-server (its own, on a fixed port, so it can restart in place), the gateway and the img2img
and s3sync workers are child processes configured through their environment; RunPod (the
emulator) and S3 (moto) sit behind proxies that a test takes down for an outage. The gateway's
database is a SQLite file; the data folder is a path a test may put on a tiny file system.
"""

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pydantic import SecretStr

from actormaker.common.s3client import S3ClientFactory, s3_client_factory
from actormaker.common.settings import CommonSettings
from actormaker.devstack.nats_server import NatsServer
from actormaker.devstack.ports import free_port
from actormaker.devstack.processes import ManagedProcess
from actormaker.emulators.runpod import RunningRunPod
from actormaker.s3sync.settings import S3SyncSettings
from tests.faults.proxy import OutageProxy
from tests.gateway.conftest import Database, gateway_settings
from tests.img2img.conftest import ENDPOINT_ID, img2img_settings, runpod_settings
from tests.processes import service_process, settings_env
from tests.styles.conftest import WORKFLOWS

S3_KEY = SecretStr("testing")


def _proxy_to(url: str) -> OutageProxy:
    parts = urlsplit(url)
    assert parts.hostname
    assert parts.port
    return OutageProxy(parts.hostname, parts.port)


@dataclass
class RequestTally:
    """What the tests' clients sent the gateway, and how many answers were server errors."""

    sent: int = 0
    server_errors: list[str] = field(default_factory=list)

    async def count(self, response: httpx.Response) -> None:
        self.sent += 1
        if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            self.server_errors.append(f"{response.request.method} {response.url.path}")


@dataclass
class FaultStack:
    nats: NatsServer
    runpod: RunningRunPod
    runpod_proxy: OutageProxy
    s3_proxy: OutageProxy
    s3: S3ClientFactory
    common: CommonSettings
    logs: Path
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    gateway_port: int = field(default_factory=free_port)
    tally: RequestTally = field(default_factory=RequestTally)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def client(self, **options: Any) -> httpx.AsyncClient:
        """A client of the gateway whose every answer is tallied."""
        hooks = {"response": [self.tally.count]}
        return httpx.AsyncClient(
            base_url=self.gateway_url, event_hooks=hooks, **{"timeout": 30} | options
        )

    async def kill(self, name: str) -> None:
        await self.processes[name].kill()

    async def restart(self, name: str) -> None:
        """Start a killed process again, configured as before."""
        await self.processes[name].start()

    async def emulate(self, **changes: Any) -> None:
        current = self.runpod.emulator.config
        self.runpod.emulator.configure(current.model_copy(update=changes))

    async def provider_stats(self) -> dict[str, int]:
        async with httpx.AsyncClient(base_url=self.runpod.url) as admin:
            stats = (await admin.get("/_emulator/stats")).json()["endpoints"]
        return stats.get(ENDPOINT_ID, {"submitted": 0, "polled": 0, "cancelled": 0})


@pytest.fixture
def make_fault_stack(tmp_path: Path, runpod: RunningRunPod, s3_endpoint: str) -> Callable[..., Any]:
    """`async with make_fault_stack(data_dir=..., **worker_settings) as stack` starts it all.

    `env` adds to (or overrides) the environment of every service process: `{"img2img": {...}}`.
    """

    @asynccontextmanager
    async def start(
        *,
        data_dir: Path | None = None,
        env: dict[str, dict[str, str]] | None = None,
        **img2img_overrides: Any,
    ) -> AsyncIterator[FaultStack]:
        async with AsyncExitStack() as exits:
            nats = NatsServer(
                store_dir=tmp_path / "nats", port=free_port(), sink=_log(tmp_path, "nats", exits)
            )
            await nats.start()
            exits.push_async_callback(nats.stop)
            runpod_proxy, s3_proxy = _proxy_to(runpod.url), _proxy_to(s3_endpoint)
            for proxy in (runpod_proxy, s3_proxy):
                await proxy.up()
                exits.push_async_callback(proxy.down)
            s3 = s3_client_factory(
                endpoint_url=s3_proxy.url,
                region="us-east-1",
                access_key="testing",
                secret_key="testing",
            )
            bucket = f"faults-{secrets.token_hex(6)}"
            async with s3() as client:
                await client.create_bucket(Bucket=bucket)
            common = CommonSettings(
                nats_url=nats.url,
                data_dir=data_dir or tmp_path / "data",
                workflows_dir=WORKFLOWS,
                s3_endpoint_url=s3_proxy.url,
                aws_access_key_id=S3_KEY,
                aws_secret_access_key=S3_KEY,
                s3sync_asset_bucket=bucket,
            )
            stack = FaultStack(nats, runpod, runpod_proxy, s3_proxy, s3, common, tmp_path)
            database = Database(url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}", schema=None)
            gateway = gateway_settings(
                common,
                database,
                gateway_port=stack.gateway_port,
                reconcile_interval_s=1.0,
                outbox_retry_after_s=1.0,
            )
            worker_env = {
                "gateway": settings_env(gateway),
                "img2img": settings_env(
                    common,
                    # Retries that outlast the suite's 3 s outages whatever the machine's speed.
                    img2img_settings(
                        **{"max_deliver": 10, "ack_wait_s": 3, "retry_backoff_s": (0.5, 1.0)}
                        | img2img_overrides
                    ),
                    runpod_settings(_running_at(runpod, runpod_proxy)),
                ),
                "s3sync": settings_env(
                    common, S3SyncSettings(ack_wait_s=3, fetch_timeout_s=0.2, max_deliver=10)
                ),
            }
            for name, configured in worker_env.items():
                ready = f"{stack.gateway_url}/readyz" if name == "gateway" else None
                process_env = configured | (env or {}).get(name, {})
                stack.processes[name] = await exits.enter_async_context(
                    service_process(
                        f"actormaker.{name}", process_env, tmp_path / f"{name}.log", ready_url=ready
                    )
                )
            yield stack

    return start


def _running_at(runpod: RunningRunPod, proxy: OutageProxy) -> RunningRunPod:
    """The emulator as the workers reach it: through the proxy."""
    return RunningRunPod(url=proxy.url, emulator=runpod.emulator)


def _log(folder: Path, name: str, exits: AsyncExitStack) -> Callable[[str], None]:
    sink = exits.enter_context((folder / f"{name}.log").open("a", buffering=1))
    return lambda line: sink.write(f"{line}\n")
