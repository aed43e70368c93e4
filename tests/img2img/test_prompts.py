"""The plain pieces of the worker: prompts and training captions."""

import pytest

from actormaker.common.schemas.img2img import StyleSpec
from actormaker.common.style_files import training_caption
from actormaker.img2img.prompts import build_prompt

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
