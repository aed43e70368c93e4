"""The plain pieces of the worker: prompts, training captions and request pacing."""

import time

import pytest

from actormaker.common.schemas.img2img import StyleSpec
from actormaker.common.style_files import training_caption
from actormaker.emulators.runpod import RunningRunPod
from actormaker.img2img.prompts import build_prompt
from actormaker.img2img.settings import Img2ImgServiceSettings
from actormaker.img2img.worker import runpod_http
from tests.img2img.conftest import API_KEY

STYLE = StyleSpec(
    id="1",
    name="Ink",
    folder="1_ink",
    lora_name="SBai_style_1.safetensors",
    frontpad="bold black and white line art, ",
    backpad="  frank miller style",
    trigger="style SBai_style_1",
)


@pytest.mark.parametrize(
    ("caption", "prompt"),
    [
        (
            "a man in the rain",
            "bold black and white line art, a man in the rain, frank miller style",
        ),
        (
            "[TRIGGER] a man",
            "bold black and white line art, style SBai_style_1 a man, frank miller style",
        ),
        ("", "bold black and white line art, frank miller style"),
    ],
)
def test_prompt_is_frontpad_caption_backpad(caption: str, prompt: str) -> None:
    assert build_prompt(STYLE, caption) == prompt


@pytest.mark.parametrize(
    ("scene", "trigger", "caption"),
    [
        ("a man in the rain", "style SBai_style_1", "a man in the rain, style SBai_style_1"),
        (
            "a man in the rain, style SBai_style_1",
            "style SBai_style_1",
            "a man in the rain, style SBai_style_1",
        ),
        ("style sbai_style_1 a man.", "style SBai_style_1", "a man, style SBai_style_1"),
        (
            "[TRIGGER] a man in the rain",
            "style SBai_style_1",
            "a man in the rain, style SBai_style_1",
        ),
        ("a man in the rain", None, "a man in the rain"),
        ("", "style SBai_style_1", "style SBai_style_1"),
    ],
)
def test_training_caption_carries_the_trigger_exactly_once(
    scene: str, trigger: str | None, caption: str
) -> None:
    assert training_caption(scene, trigger) == caption


async def test_every_runpod_request_is_paced_by_the_token_bucket(runpod: RunningRunPod) -> None:
    rate, requests = 50.0, 60
    settings = Img2ImgServiceSettings(img2img_requests_per_second=rate)
    async with runpod_http(settings) as http:
        started = time.perf_counter()
        for _ in range(requests):
            response = await http.get(
                f"{runpod.api_base}/pacing/health", headers={"Authorization": f"Bearer {API_KEY}"}
            )
            assert response.status_code == 200
        elapsed = time.perf_counter() - started
    # The bucket starts full (one second's worth), so only the requests past that burst wait.
    assert elapsed >= (requests - rate) / rate
