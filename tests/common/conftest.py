import base64
import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from actormaker.common.comfy import WorkflowTemplate
from actormaker.common.s3client import S3ClientFactory, s3_client_factory

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"

JobInput = Callable[..., dict[str, Any]]


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


@pytest.fixture(scope="session")
def job_input() -> JobInput:
    """A RunPod worker-comfyui input: the img2img workflow with a small image and prompt."""
    template = WorkflowTemplate.load(
        WORKFLOWS / "img2img_workflow.json", WORKFLOWS / "img2img_workflow.binding.json"
    )
    buffer = io.BytesIO()
    Image.new("RGB", (200, 150), (200, 120, 40)).save(buffer, format="JPEG")
    source = base64.b64encode(buffer.getvalue()).decode("ascii")

    def build(prompt: str = "a movie scene of a market") -> dict[str, Any]:
        values = {"source_image": source, "prompt": prompt, "width": 128, "height": 96}
        return {"workflow": template.fill(values)}

    return build
