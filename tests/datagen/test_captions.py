"""Training captions: scene words on one line, the trigger exactly once at the end."""

import pytest

from actormaker.common.schemas.datagen import ActorMix, ActorSex, ActorType, ImageKind
from actormaker.datagen.actor_prompts import PROMPT_LIBRARIES, actor_prompts
from actormaker.datagen.captions import actor_caption, tile_caption
from actormaker.datagen.tiles import ALL_DESCRIPTIONS

TRIGGER = "SBai_style_16"


@pytest.mark.parametrize("description", ALL_DESCRIPTIONS)
def test_every_tile_caption_is_the_scene_and_the_trigger(description: str) -> None:
    caption = tile_caption(description, TRIGGER)

    assert caption == f"{description.removesuffix(' in this artistic style')}, {TRIGGER}"
    assert caption.count(TRIGGER) == 1
    assert "style," not in caption


@pytest.mark.parametrize(
    ("description", "caption"),
    [
        ("a fox in the snow in this artistic style", "a fox in the snow"),
        ("a fox in the snow in this style", "a fox in the snow"),
        ("a fox in the snow, in the same painterly style.", "a fox in the snow"),
        ("a fox in the snow In This Artistic Style", "a fox in the snow"),
        ("a fox in the snow in this medium", "a fox in the snow"),
        ("  a fox\nin   the snow  in this artistic style. ", "a fox in the snow"),
        ("a fox in the snow.", "a fox in the snow"),
        ("a fox in the snow, SBai_style_16", "a fox in the snow"),
        ("a fox in the snow in this artistic style, SBai_style_16.", "a fox in the snow"),
        ("a fox in the snow sbai_style_16, SBai_style_16", "a fox in the snow"),
    ],
)
def test_style_phrases_and_trailing_triggers_give_way(description: str, caption: str) -> None:
    assert tile_caption(description, TRIGGER) == f"{caption}, {TRIGGER}"


def test_a_style_word_in_the_scene_itself_stays() -> None:
    caption = tile_caption("a dancer posing in freestyle in this artistic style", TRIGGER)

    assert caption == f"a dancer posing in freestyle, {TRIGGER}"


@pytest.mark.parametrize("trigger", ["", "   "])
def test_without_a_trigger_the_caption_is_the_scene_alone(trigger: str) -> None:
    assert tile_caption("a fox in the snow in this artistic style", trigger) == "a fox in the snow"


def test_a_trigger_with_spaces_appears_once() -> None:
    caption = tile_caption("a fox in this artistic style", "style SBai_style_1")

    assert caption == "a fox, style SBai_style_1"


def test_a_description_that_is_only_the_style_leaves_the_trigger() -> None:
    assert tile_caption("in this artistic style", TRIGGER) == TRIGGER


def test_a_trigger_that_is_an_ordinary_word_keeps_the_scene_word() -> None:
    assert (
        tile_caption("a cat on a windowsill in this style", "cat") == "a cat on a windowsill, cat"
    )


def test_an_actor_caption_is_the_prompts_scene_sentence() -> None:
    prompt = "The man runs across a wet street at night. Low angle, hard side light."

    assert actor_caption(prompt, "0006_european_20_female") == (
        "The man runs across a wet street at night, 0006_european_20_female"
    )


def test_every_actor_prompt_captions_to_one_line_with_the_trigger_once() -> None:
    trigger = "0006_european_20_female"
    mix = ActorMix(
        photoreal=len(PROMPT_LIBRARIES[ImageKind.PHOTOREAL]),
        bw_stylized=len(PROMPT_LIBRARIES[ImageKind.BW_STYLIZED]),
        color_stylized=len(PROMPT_LIBRARIES[ImageKind.COLOR_STYLIZED]),
    )

    for prompt in actor_prompts(ActorType.HUMAN, ActorSex.FEMALE, mix=mix, outfit="a long coat"):
        caption = actor_caption(prompt.text, trigger)
        scene = caption.removesuffix(f", {trigger}")
        assert caption.count(trigger) == 1
        assert prompt.text.startswith(scene)
        assert "." not in scene
        assert len(caption.split()) < 75
