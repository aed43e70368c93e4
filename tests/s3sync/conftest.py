import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from actormaker.common.bus import Bus
from actormaker.common.s3client import s3_client_factory
from actormaker.common.settings import CommonSettings
from actormaker.common.storage.local import LocalStorage
from actormaker.s3sync.settings import S3SyncSettings
from actormaker.s3sync.worker import build_worker


@pytest.fixture
async def s3(s3_endpoint: str) -> AsyncIterator[Any]:
    open_client = s3_client_factory(
        endpoint_url=s3_endpoint, region="us-east-1", access_key="testing", secret_key="testing"
    )
    async with open_client() as client:
        yield client


@pytest.fixture
async def bucket(s3: Any) -> str:
    name = f"test-{secrets.token_hex(6)}"
    await s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


def s3sync_settings(settings: CommonSettings, **overrides: object) -> S3SyncSettings:
    """Worker settings that share `settings`' common fields, with quick test timings."""
    shared = {name: value for name, value in settings if name in CommonSettings.model_fields}
    quick = {"s3sync_ack_wait_s": 2.0, "s3sync_fetch_timeout_s": 0.2}
    return S3SyncSettings(**shared | quick | overrides)


@pytest.fixture
def worker_settings(
    settings: CommonSettings, s3_endpoint: str, bucket: str, tmp_path: Path
) -> S3SyncSettings:
    """An s3sync worker whose asset bucket is this test's bucket and storage its own folder."""
    return s3sync_settings(
        settings,
        data_dir=tmp_path / "storage",
        s3_endpoint_url=s3_endpoint,
        aws_access_key_id=SecretStr("testing"),
        aws_secret_access_key=SecretStr("testing"),
        s3sync_asset_bucket=bucket,
    )


@asynccontextmanager
async def running_worker(settings: S3SyncSettings) -> AsyncIterator[Bus]:
    """The real s3sync worker on a NATS connection of its own; yields a bus to publish on."""
    worker_bus = await Bus.connect(settings, name="s3sync-test")
    worker = await build_worker(worker_bus, settings=settings)
    await worker.start()
    try:
        yield worker_bus
    finally:
        await worker.stop()
        await worker_bus.close()
