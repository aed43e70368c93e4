"""The training stack per test: gateway → NATS → the real training worker → the RunPod and
Replicate training emulators (through the real clients) → S3 (moto over HTTP) and storage."""

import asyncio
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from actormaker.common.bus import Worker
from actormaker.common.replicate import ReplicateSettings
from actormaker.common.runpod import RunPodSettings
from actormaker.common.s3client import S3ClientFactory, s3_client_factory
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import Storage
from actormaker.common.style_files import StyleFolder
from actormaker.devstack.processes import ManagedProcess
from actormaker.emulators.replicate import RunningReplicate
from actormaker.emulators.replicate_schemas import DEFAULT_WEBHOOK_SECRET
from actormaker.emulators.runpod import RunningRunPod
from actormaker.training.settings import TrainingSettings
from actormaker.training.worker import Providers, training_service
from tests.conftest import REPLICATE_TEST_TOKEN, RUNPOD_TEST_KEY
from tests.gateway.conftest import Database, Gateway, database, gateway_settings, running_gateway
from tests.processes import in_process_worker, service_process, settings_env
from tests.styles.builders import create_style, picture, unique

__all__ = ["database", "make_stack", "stack"]

S3_KEY = "testing"
TRAINING_ENDPOINT = "training"


def training_settings(bucket: str, **overrides: Any) -> TrainingSettings:
    fast: dict[str, Any] = {
        "bucket": bucket,
        "concurrency": 4,
        "poll_initial_s": 0.02,
        "poll_max_interval_s": 0.1,
        "run_timeout_s": 60,
        "ack_wait_s": 5,
        "max_deliver": 3,
        "retry_backoff_s": (0.2,),
        "fetch_timeout_s": 0.2,
        "shutdown_grace_s": 0.5,
        "submit_grace_s": 2.0,
    }
    return TrainingSettings(**fast | overrides)


def providers(runpod: RunningRunPod, replicate: RunningReplicate) -> Providers:
    fast = {"retry_initial_s": 0.01, "retry_max_s": 0.05, "requests_per_second": 500}
    return Providers(
        runpod=RunPodSettings(
            base_url=runpod.api_base,
            api_key=RUNPOD_TEST_KEY,
            training_endpoint_id=TRAINING_ENDPOINT,
            **fast,
        ),
        replicate=ReplicateSettings(
            base_url=replicate.api_base, api_key=REPLICATE_TEST_TOKEN, **fast
        ),
    )


@dataclass(frozen=True)
class Stack:
    gateway: Gateway
    runpod: RunningRunPod
    replicate: RunningReplicate
    common: CommonSettings
    worker_settings: TrainingSettings
    s3: S3ClientFactory
    logs: Path

    @property
    def client(self) -> httpx.AsyncClient:
        return self.gateway.client

    @property
    def bucket(self) -> str:
        return self.worker_settings.bucket

    def worker(self, **overrides: Any) -> AbstractAsyncContextManager[Worker]:
        settings = self.worker_settings.model_copy(update=overrides)
        service = training_service(self.common, settings, providers(self.runpod, self.replicate))
        return in_process_worker(self.common, service)

    def worker_process(self, name: str) -> AbstractAsyncContextManager[ManagedProcess]:
        """A training worker as a child process, configured like the stack's, to kill."""
        configured = providers(self.runpod, self.replicate)
        env = settings_env(
            self.common, self.worker_settings, configured.runpod, configured.replicate
        )
        return service_process("actormaker.training", env, self.logs / f"{name}.log")

    def emulate_runpod(self, **changes: Any) -> None:
        emulator = self.runpod.emulator
        emulator.configure(emulator.config.model_copy(update=changes))

    def emulate_replicate(self, **changes: Any) -> None:
        emulator = self.replicate.emulator
        emulator.configure(emulator.config.model_copy(update=changes))

    def runpod_jobs(self) -> dict[str, int]:
        """What the RunPod emulator counted for the training endpoint."""
        empty = {"submitted": 0, "polled": 0, "cancelled": 0, "webhooks_sent": 0}
        return self.runpod.emulator.stats().get(TRAINING_ENDPOINT, empty)

    @property
    def storage(self) -> Storage:
        return self.gateway.services.storage

    async def style_with_training_images(
        self, count: int, *, captions: list[str] | None = None, **fields: Any
    ) -> tuple[dict[str, Any], list[str]]:
        """A style with `count` training images as img2img leaves them; it and their names."""
        style = await create_style(self.client, trigger_words="style inknoir", **fields)
        names = [
            await self.add_training_image(style, n, caption=(captions or [None] * count)[n])
            for n in range(count)
        ]
        return style, names

    async def add_training_image(
        self,
        style: dict[str, Any],
        seed: int,
        *,
        caption: str | None = None,
        made_by: str = "img2img",
    ) -> str:
        """One training image, its caption and the record its maker writes; its file name."""
        stem = unique("scene_")
        files = StyleFolder(style["folder"]).training(stem)
        record = (
            {"runpod_job_id": f"rp-{seed}-e1", "job_id": str(uuid.uuid4()), "prompt": "a scene"}
            if made_by == "img2img"
            else {"grid_prediction_id": f"p{seed}", "source": "src.jpg", "job_id": "j"}
        )
        await self.storage.write(files.image, picture(320, 320, seed=seed))
        await self.storage.write(files.record, json.dumps(record).encode())
        text = (
            caption if caption is not None else f"a lighthouse at dusk number {seed}, style inknoir"
        )
        await self.storage.write(files.caption, text.encode())
        return files.image.rsplit("/", 1)[-1]

    async def selection_set(self, owner: str, images: list[str]) -> int:
        """A new selection set of `owner` ("styles/<id>") with these images; its number."""
        answer = await self.client.post(
            f"/api/{owner}/selection-sets", json={"name": "all", "images": images}
        )
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    async def start(self, **body: Any) -> httpx.Response:
        return await self.client.post("/api/training/start", json=body)

    async def finished(self, job_id: str, within: float = 60.0) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                job = (await self.client.get(f"/api/jobs/{job_id}")).json()
                if job.get("finished_at"):
                    return job
                await asyncio.sleep(0.05)

    async def version(self, version_id: str) -> dict[str, Any]:
        answer = await self.client.get(f"/api/training/versions/{version_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def events(self, job_id: str) -> list[dict[str, Any]]:
        events = []
        async with self.client.stream("GET", f"/api/jobs/{job_id}/events") as stream:
            async for line in stream.aiter_lines():
                if line.startswith("data:"):
                    events.append(json.loads(line.removeprefix("data:")))
        return events

    async def s3_keys(self, prefix: str = "") -> list[str]:
        async with self.s3() as s3:
            listing = await s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return [entry["Key"] for entry in listing.get("Contents", [])]


StackFactory = Callable[..., AbstractAsyncContextManager[Stack]]


@pytest.fixture
def make_stack(
    settings: CommonSettings,
    database: Database,
    tmp_path: Path,
    runpod: RunningRunPod,
    replicate: RunningReplicate,
    s3_endpoint: str,
) -> StackFactory:
    @asynccontextmanager
    async def start(
        *, webhooks: bool = False, worker: bool = True, training_s: float = 0.3, **overrides: Any
    ) -> AsyncIterator[Stack]:
        """With `webhooks`, runs carry the gateway's training-webhook URL."""
        s3 = s3_client_factory(
            endpoint_url=s3_endpoint, region="us-east-1", access_key=S3_KEY, secret_key=S3_KEY
        )
        bucket = f"training-{secrets.token_hex(6)}"
        async with s3() as client:
            await client.create_bucket(Bucket=bucket)
        emulated_s3 = {
            "s3_endpoint_url": s3_endpoint,
            "s3_access_key_id": S3_KEY,
            "s3_secret_access_key": S3_KEY,
            "training_output_bucket": bucket,
            "training_s": training_s,
        }
        runpod.emulator.configure(runpod.emulator.config.model_copy(update=emulated_s3))
        own = {
            "data_dir": tmp_path / "data",
            "s3_endpoint_url": s3_endpoint,
            "aws_access_key_id": S3_KEY,
            "aws_secret_access_key": S3_KEY,
        }
        shared = CommonSettings.model_validate(settings.model_dump() | own)
        secret = {"replicate_webhook_secret": DEFAULT_WEBHOOK_SECRET} if webhooks else {}
        async with running_gateway(gateway_settings(shared, database, **secret)) as running:
            if webhooks:
                shared = shared.model_copy(update={"public_base_url": running.url})
            stack = Stack(
                running,
                runpod,
                replicate,
                shared,
                training_settings(bucket, **overrides),
                s3,
                tmp_path,
            )
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
