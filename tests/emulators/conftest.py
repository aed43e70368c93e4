import base64
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw

from actormaker.common.comfy import WorkflowTemplate
from actormaker.emulators.runpod import RunningRunPod
from tests.conftest import RUNPOD_TEST_KEY

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
ENDPOINT_ID = "img2img-test"

Img2ImgInput = Callable[..., dict[str, Any]]


@pytest.fixture
async def endpoint(runpod: RunningRunPod) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP client for /v2/{endpoint_id} with the right bearer key."""
    async with httpx.AsyncClient(
        base_url=f"{runpod.api_base}/{ENDPOINT_ID}",
        headers={"Authorization": f"Bearer {RUNPOD_TEST_KEY}"},
    ) as client:
        yield client


@pytest.fixture
async def admin(runpod: RunningRunPod) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{runpod.url}/_emulator") as client:
        yield client


@pytest.fixture(scope="session")
def source_jpeg() -> bytes:
    """A small photo-like JPEG: a gradient sky, a sun and a green block."""
    image = Image.new("RGB", (320, 240))
    draw = ImageDraw.Draw(image)
    for y in range(240):
        draw.line([(0, y), (320, y)], fill=(y, 90, 255 - y))
    draw.ellipse([110, 50, 230, 170], fill=(240, 200, 150))
    draw.rectangle([20, 150, 90, 230], fill=(40, 160, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def img2img_template() -> WorkflowTemplate:
    return WorkflowTemplate.load(
        WORKFLOWS / "img2img_workflow.json", WORKFLOWS / "img2img_workflow.binding.json"
    )


@pytest.fixture(scope="session")
def img2img_input(source_jpeg: bytes, img2img_template: WorkflowTemplate) -> Img2ImgInput:
    """Builds a worker-comfyui input from the real img2img template."""

    def build(
        prompt: str = "a movie scene of a lighthouse",
        *,
        width: int = 256,
        height: int = 160,
        denoise: float = 0.8,
        seed: int = 42,
        source: bytes | None = None,
    ) -> dict[str, Any]:
        workflow = img2img_template.fill(
            {
                "source_image": base64.b64encode(source or source_jpeg).decode("ascii"),
                "prompt": prompt,
                "width": width,
                "height": height,
                "denoise": denoise,
                "seed": seed,
            }
        )
        return {"workflow": workflow}

    return build
