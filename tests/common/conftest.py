import uuid

import pytest

from actormaker.common.s3client import S3ClientFactory, s3_client_factory


@pytest.fixture(scope="session")
def s3_clients(s3_endpoint: str) -> S3ClientFactory:
    """Factory of aioboto3 clients talking to the moto server."""
    return s3_client_factory(
        endpoint_url=s3_endpoint, region="us-east-1", access_key="testing", secret_key="testing"
    )


@pytest.fixture
async def s3_bucket(s3_clients: S3ClientFactory) -> str:
    """A fresh, empty bucket with a random name."""
    name = f"test-{uuid.uuid4().hex}"
    async with s3_clients() as client:
        await client.create_bucket(Bucket=name)
    return name
