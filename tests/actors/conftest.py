"""A real gateway and a real s3sync worker on the session's nats-server and moto S3, shared by
the tests of one module (each test makes actors with random ids and names), with a random
asset bucket and a workspace folder of their own.

Module scope, not wider: the worker must be gone before another module's s3sync worker binds
the same durable consumer."""

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from actormaker.common.s3client import s3_client_factory
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import LocalStorage
from tests.actors.helpers import ActorStack
from tests.gateway.conftest import (
    BACKENDS,
    Database,
    fresh_database,
    gateway_settings,
    running_gateway,
)
from tests.s3sync.conftest import running_worker

KEY = SecretStr("testing")


@pytest.fixture(scope="module")
async def s3(s3_endpoint: str) -> AsyncIterator[Any]:
    open_client = s3_client_factory(
        endpoint_url=s3_endpoint, region="us-east-1", access_key="testing", secret_key="testing"
    )
    async with open_client() as client:
        yield client


async def _new_bucket(s3: Any) -> str:
    name = f"assets-{secrets.token_hex(6)}"
    await s3.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module", params=BACKENDS)
async def actor_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """The gateway's database for this module: SQLite, and PostgreSQL when configured."""
    async with fresh_database(request.param, tmp_path_factory.mktemp("actors-db")) as fresh:
        yield fresh


@pytest.fixture(scope="module")
async def stack(
    settings: CommonSettings,
    actor_database: Database,
    s3_endpoint: str,
    s3: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ActorStack]:
    """The gateway and one s3sync worker (its own NATS connection, as in its own process).

    A second allowed bucket is configured, so URLs outside the asset bucket can be tested.
    """
    asset_bucket, other_bucket = await _new_bucket(s3), await _new_bucket(s3)
    shared = settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("actors-data"),
            "s3_endpoint_url": s3_endpoint,
            "aws_access_key_id": KEY,
            "aws_secret_access_key": KEY,
            "s3sync_asset_bucket": asset_bucket,
            "s3sync_allowed_buckets": [other_bucket],
        }
    )
    gateway = gateway_settings(shared, actor_database, job_wait_timeout_s=30)
    async with running_gateway(gateway) as running, running_worker(shared):
        yield ActorStack(
            gateway=running,
            s3=s3,
            bucket=asset_bucket,
            prefix=gateway.s3sync_asset_prefix,
            storage=LocalStorage(gateway.data_dir),
        )
