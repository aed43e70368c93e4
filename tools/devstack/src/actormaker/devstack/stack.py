"""The whole local stack: NATS, S3, provider emulators, the gateway and every worker."""

import asyncio
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from typing import Protocol

from actormaker.common.s3client import s3_client_factory
from actormaker.devstack.console import prefixed
from actormaker.devstack.demo_actors import seed_demo_actor
from actormaker.devstack.demo_styles import seed_demo_styles
from actormaker.devstack.nats_server import NatsServer
from actormaker.devstack.ports import port_is_free
from actormaker.devstack.processes import ManagedProcess, answers_ok
from actormaker.devstack.s3_server import S3Server
from actormaker.devstack.s3_snapshots import S3Snapshots
from actormaker.devstack.settings import DevstackSettings
from actormaker.devstack.supervisor import Supervised
from actormaker.emulators.replicate_schemas import DEFAULT_WEBHOOK_SECRET

WORKERS = ("img2img", "s3sync", "datagen", "training")
LOCAL_KEY = "local-dev"


class PortTaken(RuntimeError):
    pass


def service_exists(name: str) -> bool:
    """Whether the service package is installed and runnable with `python -m`."""
    try:
        return importlib.util.find_spec(f"actormaker.{name}.__main__") is not None
    except ModuleNotFoundError:
        return False


class Running(Protocol):
    async def stop(self) -> None: ...
    async def wait(self) -> int: ...


@dataclass
class LocalStack:
    settings: DevstackSettings
    running: list[Running] = field(default_factory=list)

    def service_env(self) -> dict[str, str]:
        """The environment every service process gets."""
        var = self.settings.var_dir.resolve()
        env = {
            "ENVIRONMENT": "local",
            "NATS_URL": f"nats://127.0.0.1:{self.settings.nats_port}",
            "DATA_DIR": str(var / "data"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{var / 'gateway.db'}",
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.settings.s3_port}",
            "AWS_ACCESS_KEY_ID": LOCAL_KEY,
            "AWS_SECRET_ACCESS_KEY": LOCAL_KEY,
            "WORKSPACE_BUCKET": self.settings.workspace_bucket,
            "GATEWAY_PORT": str(self.settings.gateway_port),
            "S3SYNC_ALLOWED_BUCKETS": f'["{self.settings.asset_bucket}"]',
            "S3SYNC_ASSET_BUCKET": self.settings.asset_bucket,
            "TRAINING_BUCKET": self.settings.training_bucket,
            **self._emulated_provider_env(),
        }
        return {key: value for key, value in env.items() if key not in os.environ}

    def _emulated_provider_env(self) -> dict[str, str]:
        """Point every provider without a real key in the environment at its emulator."""
        env: dict[str, str] = {}
        if not os.environ.get("RUNPOD_API_KEY"):
            env["RUNPOD_BASE_URL"] = f"http://127.0.0.1:{self.settings.runpod_port}/v2"
            env["RUNPOD_API_KEY"] = LOCAL_KEY
            # The emulators can reach the gateway here, so local jobs finish by webhook too.
            env["PUBLIC_BASE_URL"] = self._gateway_url
        if not os.environ.get("REPLICATE_API_TOKEN"):
            env["REPLICATE_BASE_URL"] = f"http://127.0.0.1:{self.settings.replicate_port}"
            env["REPLICATE_API_TOKEN"] = LOCAL_KEY
            # The emulator signs its webhooks with this secret; the gateway checks them with it.
            env["REPLICATE_WEBHOOK_SECRET"] = DEFAULT_WEBHOOK_SECRET
            env["PUBLIC_BASE_URL"] = self._gateway_url
        if not os.environ.get("OPENAI_API_KEY"):
            env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{self.settings.openai_port}/v1"
            env["OPENAI_API_KEY"] = LOCAL_KEY
        return env

    def check_ports(self) -> None:
        """Refuse to start over a server that already holds one of our ports."""
        ports = [
            ("DEVSTACK_NATS_PORT", self.settings.nats_port),
            ("DEVSTACK_S3_PORT", self.settings.s3_port),
            ("DEVSTACK_RUNPOD_PORT", self.settings.runpod_port),
            ("DEVSTACK_REPLICATE_PORT", self.settings.replicate_port),
            ("DEVSTACK_OPENAI_PORT", self.settings.openai_port),
            ("DEVSTACK_GATEWAY_PORT", self.settings.gateway_port),
            *(("DEVSTACK_METRICS_PORT", port) for port in self.worker_metrics_ports().values()),
        ]
        for variable, port in ports:
            if not port_is_free(port):
                raise PortTaken(f"port {port} is in use: set {variable} to another port")

    async def start(self) -> None:
        """Start everything in dependency order and seed the demo library."""
        self.check_ports()
        var = self.settings.var_dir
        var.mkdir(parents=True, exist_ok=True)
        nats = NatsServer(
            store_dir=var / "nats", port=self.settings.nats_port, sink=prefixed("nats")
        )
        await nats.start()
        self.running.append(nats)
        s3 = S3Server(port=self.settings.s3_port, sink=prefixed("s3"))
        await s3.start()
        self.running.append(s3)
        await self._keep_s3_objects(s3.url)
        await self._start_emulators()
        await self._start_module("gateway", "actormaker.gateway", ready_url=self._gateway_url)
        for worker, metrics_port in self.worker_metrics_ports().items():
            metrics = {"METRICS_PORT": str(metrics_port)}
            await self._start_module(worker, f"actormaker.{worker}", env=metrics)
        if self.settings.seed_demo:
            added = await seed_demo_styles(self._gateway_url, api_key=os.environ.get("API_KEY"))
            prefixed("demo")(f"seeded {', '.join(added)}" if added else "demo styles present")
            api_key = os.environ.get("API_KEY")
            added = await seed_demo_actor(self._gateway_url, self.service_env(), api_key=api_key)
            prefixed("demo")(f"seeded {', '.join(added)}" if added else "demo actor present")

    async def _start_emulators(self) -> None:
        """Start the emulator of every provider the services are pointed at locally."""
        env = self.service_env()
        emulated = [
            ("runpod", "RUNPOD_BASE_URL", self.settings.runpod_port),
            ("replicate", "REPLICATE_BASE_URL", self.settings.replicate_port),
            ("openai", "OPENAI_BASE_URL", self.settings.openai_port),
        ]
        # The training container downloads datasets from, and writes LoRAs to, the local S3.
        training = (
            "--s3-endpoint-url", f"http://127.0.0.1:{self.settings.s3_port}",
            "--training-bucket", self.settings.training_bucket,
        )  # fmt: skip
        for provider, variable, port in emulated:
            if variable in env:
                args = (provider, "--port", str(port), *(training if provider == "runpod" else ()))
                await self._start_module(provider, "actormaker.emulators", *args)

    def worker_metrics_ports(self) -> dict[str, int]:
        """Each worker's health and metrics port, counted up from DEVSTACK_METRICS_PORT."""
        workers = filter(service_exists, WORKERS)
        return {worker: self.settings.metrics_port + n for n, worker in enumerate(workers)}

    @property
    def _gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    async def stop(self) -> None:
        """Stop everything, newest first."""
        for part in reversed(self.running):
            await part.stop()

    async def _start_module(
        self,
        name: str,
        module: str,
        *args: str,
        ready_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        """Start a service and keep it running: one that dies is started again."""
        process = ManagedProcess(
            name,
            [sys.executable, "-m", module, *args],
            sink=prefixed(name),
            env=self.service_env() | (env or {}),
            ready_check=answers_ok(f"{ready_url}/readyz") if ready_url else None,
            start_timeout=60,
        )
        delay = self.settings.restart_delay_s
        part = Supervised(process, delay=delay, log=prefixed("supervisor"))
        await part.start()
        self.running.append(part)

    async def _keep_s3_objects(self, endpoint: str) -> None:
        """Create the buckets, put back what the last run left, and mirror them from now on."""
        clients = s3_client_factory(
            endpoint_url=endpoint, region="us-east-1", access_key=LOCAL_KEY, secret_key=LOCAL_KEY
        )
        buckets = [
            self.settings.workspace_bucket,
            self.settings.asset_bucket,
            self.settings.training_bucket,
        ]
        async with clients() as s3:
            for bucket in buckets:
                await s3.create_bucket(Bucket=bucket)
        log = prefixed("s3")
        snapshots = S3Snapshots(
            clients,
            buckets,
            self.settings.var_dir.resolve() / "s3",
            interval_s=self.settings.s3_snapshot_interval_s,
            log=log,
        )
        if restored := await snapshots.restore():
            log(f"restored {restored} objects from the last run")
        await snapshots.start()
        self.running.append(snapshots)

    async def wait(self) -> None:
        """Return when any process exits on its own."""
        await asyncio.wait(
            [asyncio.create_task(part.wait()) for part in self.running],
            return_when=asyncio.FIRST_COMPLETED,
        )
