"""The whole stack per test: gateway → NATS → the real datagen worker → the Replicate and OpenAI
emulators (through the real SDKs) → workspace storage and S3 (moto over HTTP)."""

import asyncio
import io
import json
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from actormaker.common.actor_files import base_image_dir
from actormaker.common.bus import Worker
from actormaker.common.replicate import ReplicateSettings
from actormaker.common.s3client import S3ClientFactory, s3_client_factory
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import Storage, join_key
from actormaker.common.vision import OpenAISettings
from actormaker.datagen.settings import DatagenSettings
from actormaker.datagen.worker import Providers, datagen_service
from actormaker.devstack.processes import ManagedProcess
from actormaker.emulators.openai import RunningOpenAI
from actormaker.emulators.replicate import RunningReplicate
from actormaker.emulators.replicate_schemas import DEFAULT_WEBHOOK_SECRET
from tests.conftest import OPENAI_TEST_KEY, REPLICATE_TEST_TOKEN
from tests.gateway.conftest import Database, Gateway, database, gateway_settings, running_gateway
from tests.processes import in_process_worker, service_process, settings_env
from tests.styles.builders import create_style, picture, unique, upload

__all__ = ["database"]

S3_KEY = "testing"
KONTEXT = "black-forest-labs/flux-kontext-pro"
UPSCALE = "topazlabs/image-upscale"


def datagen_settings(**overrides: Any) -> DatagenSettings:
    fast: dict[str, Any] = {
        "concurrency": 6,
        "poll_initial_s": 0.01,
        "poll_max_interval_s": 0.05,
        "prediction_timeout_s": 20,
        "ack_wait_s": 5,
        "max_deliver": 3,
        "retry_backoff_s": (0.2,),
        "fetch_timeout_s": 0.2,
        "shutdown_grace_s": 0.5,
        "input_max_side": 256,
        "submit_grace_s": 2.0,
    }
    return DatagenSettings(**fast | overrides)


def providers(replicate: RunningReplicate, openai: RunningOpenAI) -> Providers:
    fast = {"retry_initial_s": 0.01, "retry_max_s": 0.05, "requests_per_second": 500}
    return Providers(
        replicate=ReplicateSettings(
            base_url=replicate.api_base, api_key=REPLICATE_TEST_TOKEN, **fast
        ),
        openai=OpenAISettings(base_url=openai.api_base, api_key=OPENAI_TEST_KEY, **fast),
    )


def datagen_worker(
    common: CommonSettings, settings: DatagenSettings, configured: Providers
) -> AbstractAsyncContextManager[Worker]:
    return in_process_worker(common, datagen_service(common, settings, configured))


@dataclass(frozen=True)
class Stack:
    gateway: Gateway
    replicate: RunningReplicate
    openai: RunningOpenAI
    common: CommonSettings
    worker_settings: DatagenSettings
    s3: S3ClientFactory
    logs: Path

    @property
    def client(self) -> httpx.AsyncClient:
        return self.gateway.client

    @property
    def storage(self) -> Storage:
        return self.gateway.services.storage

    @property
    def bucket(self) -> str:
        return self.common.s3sync_asset_bucket

    def worker(self, **overrides: Any) -> AbstractAsyncContextManager[Worker]:
        settings = self.worker_settings.model_copy(update=overrides)
        return datagen_worker(self.common, settings, providers(self.replicate, self.openai))

    def worker_process(self, name: str) -> AbstractAsyncContextManager[ManagedProcess]:
        """A datagen worker as a child process, configured like the stack's, to kill."""
        configured = providers(self.replicate, self.openai)
        env = settings_env(
            self.common, self.worker_settings, configured.replicate, configured.openai
        )
        return service_process("actormaker.datagen", env, self.logs / f"{name}.log")

    def emulate_replicate(self, **changes: Any) -> None:
        emulator = self.replicate.emulator
        emulator.configure(emulator.config.model_copy(update=changes))

    def emulate_openai(self, **changes: Any) -> None:
        emulator = self.openai.emulator
        emulator.configure(emulator.config.model_copy(update=changes))

    def predictions(self, model: str) -> dict[str, int]:
        """What the Replicate emulator counted for `model`: submitted, polled, cancelled."""
        empty = {"submitted": 0, "polled": 0, "cancelled": 0}
        return self.replicate.emulator.stats().get(model, empty)

    async def new_actor(self, *, with_base_image: bool = True, **record: Any) -> tuple[int, str]:
        """An actor in the catalog (and its base image in the workspace); its id and name."""
        actor_id = secrets.randbelow(10**6)
        name = f"{actor_id:04d}_test_{secrets.token_hex(3)}"
        entry = {"id": actor_id, "name": name, "sex": "female", "good": False, **record}
        answer = await self.client.post("/api/actors/import", json=[entry])
        assert answer.status_code == 200, answer.text
        if with_base_image:
            key = join_key(base_image_dir(name), f"{name}_base.png")
            await self.storage.write(key, picture(320, 320, fmt="PNG", seed=actor_id))
        return actor_id, name

    async def new_style(self, **fields: Any) -> tuple[dict[str, Any], str]:
        """A style with a trigger, and a base image to use as the source; both."""
        style = await create_style(self.client, trigger_words="inknoir", **fields)
        filename = f"{unique('src_')}.jpg"
        answer = await upload(self.client, filename, picture(300, 300, seed=7))
        assert answer.status_code == 201, answer.text
        return style, filename

    async def finished(self, job_id: str, within: float = 60.0) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                job = (await self.client.get(f"/api/jobs/{job_id}")).json()
                if job.get("finished_at"):
                    return job
                await asyncio.sleep(0.05)

    async def events(self, job_id: str) -> list[dict[str, Any]]:
        """Every event of a finished job, from its SSE stream."""
        events = []
        async with self.client.stream("GET", f"/api/jobs/{job_id}/events") as stream:
            async for line in stream.aiter_lines():
                if line.startswith("data:"):
                    events.append(json.loads(line.removeprefix("data:")))
        return events

    async def s3_object(self, key: str) -> bytes:
        async with self.s3() as s3:
            response = await s3.get_object(Bucket=self.bucket, Key=key)
            async with response["Body"] as body:
                return await body.read()


def image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


StackFactory = Callable[..., AbstractAsyncContextManager[Stack]]


@pytest.fixture
def make_stack(
    settings: CommonSettings,
    database: Database,
    tmp_path: Path,
    replicate: RunningReplicate,
    openai_emulator: RunningOpenAI,
    s3_endpoint: str,
) -> StackFactory:
    @asynccontextmanager
    async def start(
        *,
        gateway: dict[str, Any] | None = None,
        webhooks: bool = False,
        worker: bool = True,
        **worker_overrides: Any,
    ) -> AsyncIterator[Stack]:
        """With `webhooks`, predictions carry the gateway's webhook URL, verified with the
        emulator's signing secret."""
        s3 = s3_client_factory(
            endpoint_url=s3_endpoint, region="us-east-1", access_key=S3_KEY, secret_key=S3_KEY
        )
        bucket = f"assets-{secrets.token_hex(6)}"
        async with s3() as client:
            await client.create_bucket(Bucket=bucket)
        own = {
            "data_dir": tmp_path / "data",
            "s3_endpoint_url": s3_endpoint,
            "aws_access_key_id": S3_KEY,
            "aws_secret_access_key": S3_KEY,
            "s3sync_asset_bucket": bucket,
        }
        shared = CommonSettings.model_validate(settings.model_dump() | own)
        secret = {"replicate_webhook_secret": DEFAULT_WEBHOOK_SECRET} if webhooks else {}
        configured = gateway_settings(shared, database, **secret | (gateway or {}))
        async with running_gateway(configured) as running:
            if webhooks:
                shared = shared.model_copy(update={"public_base_url": running.url})
            stack = Stack(
                running,
                replicate,
                openai_emulator,
                shared,
                datagen_settings(**worker_overrides),
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
