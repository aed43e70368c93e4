import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from actormaker.common.s3client import s3_client_factory
from actormaker.common.storage.local import LocalStorage


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
