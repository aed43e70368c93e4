"""aioboto3 S3 clients configured for AWS and S3-compatible stores alike."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeAlias

import aioboto3
from botocore.config import Config
from pydantic import SecretStr

from actormaker.common.settings import CommonSettings

S3ClientFactory: TypeAlias = Callable[[], AbstractAsyncContextManager[Any]]
"""Zero-argument callable; each call gives `async with factory() as client`."""


def s3_client_factory(
    *,
    endpoint_url: str | None,
    region: str,
    access_key: str | None,
    secret_key: str | None,
) -> S3ClientFactory:
    """Return a factory of path-style aioboto3 S3 clients with standard retries."""
    # Without explicit keys the session falls back to the default chain (env, profile, role).
    session = aioboto3.Session(
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
    )
    config = Config(
        s3={"addressing_style": "path"},
        retries={"max_attempts": 5, "mode": "standard"},
        # Many S3-compatible stores reject the newer default CRC checksums; send them only
        # when an operation requires one.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )

    def open_client() -> AbstractAsyncContextManager[Any]:
        return session.client("s3", endpoint_url=endpoint_url, config=config)

    return open_client


def s3_clients(settings: CommonSettings) -> S3ClientFactory:
    """S3 clients for the endpoint and credentials in `settings`."""
    return s3_client_factory(
        endpoint_url=settings.s3_endpoint_url,
        region=settings.aws_region,
        access_key=_secret(settings.aws_access_key_id),
        secret_key=_secret(settings.aws_secret_access_key),
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None
