import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from actormaker.common.bus import Bus
from actormaker.common.s3client import s3_client_factory
from actormaker.common.service import running_worker as running_service
from actormaker.common.settings import CommonSettings
from actormaker.common.storage.local import LocalStorage
from actormaker.s3sync.settings import S3SyncSettings
from actormaker.s3sync.worker import s3sync_service


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


QUICK = S3SyncSettings(ack_wait_s=2.0, fetch_timeout_s=0.2)


@pytest.fixture
def worker_common(
    settings: CommonSettings, s3_endpoint: str, bucket: str, tmp_path: Path
) -> CommonSettings:
    """An s3sync worker whose asset bucket is this test's bucket and storage its own folder."""
    return settings.model_copy(
        update={
            "data_dir": tmp_path / "storage",
            "s3_endpoint_url": s3_endpoint,
            "aws_access_key_id": SecretStr("testing"),
            "aws_secret_access_key": SecretStr("testing"),
            "s3sync_asset_bucket": bucket,
        }
    )


@asynccontextmanager
async def running_worker(
    common: CommonSettings, settings: S3SyncSettings = QUICK
) -> AsyncIterator[Bus]:
    """The real s3sync worker on a NATS connection of its own; yields a bus to publish on."""
    worker_bus = await Bus.connect(common, name="s3sync-test")
    try:
        async with running_service(worker_bus, s3sync_service(common, settings)):
            yield worker_bus
    finally:
        await worker_bus.close()
