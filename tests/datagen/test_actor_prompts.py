"""The actor set's prompts: the mix, the subject, the seed, and B&W prompts without colour."""

import itertools
import re

import pytest

from actormaker.common.schemas.datagen import ActorMix, ActorSex, ActorType, ImageKind
from actormaker.datagen.actor_prompts import (
    BW_STYLIZED_PROMPTS,
    COLOR_STYLIZED_PROMPTS,
    COLOUR_WORDS,
    PHOTOREAL_PROMPTS,
    PROMPT_LIBRARIES,
    actor_prompts,
    strip_colour_words,
    subject_phrase,
)

ALL_TEMPLATES = [*PHOTOREAL_PROMPTS, *BW_STYLIZED_PROMPTS, *COLOR_STYLIZED_PROMPTS]
EVERY_KIND = ActorMix(
    photoreal=len(PHOTOREAL_PROMPTS),
    bw_stylized=len(BW_STYLIZED_PROMPTS),
    color_stylized=len(COLOR_STYLIZED_PROMPTS),
)
COLOURFUL_DESCRIPTION = "a red-haired woman with emerald eyes and a golden, sun-tanned face"
COLOURFUL_OUTFIT = "a navy peacoat, a crimson and teal scarf and blue-green boots"


def words_of(text: str) -> set[str]:
    """Every word and every part of a hyphenated word, lower-cased."""
    return {part.lower() for part in re.findall(r"[A-Za-z]+", text)}


def texts(kind: ImageKind, **kwargs: object) -> list[str]:
    prompts = actor_prompts(ActorType.HUMAN, ActorSex.FEMALE, mix=EVERY_KIND, **kwargs)
    return [prompt.text for prompt in prompts if prompt.kind is kind]


def test_default_set_is_two_photoreal_six_bw_four_colour_in_that_order() -> None:
    prompts = actor_prompts(ActorType.HUMAN, ActorSex.MALE)

    assert [prompt.kind for prompt in prompts] == (
        [ImageKind.PHOTOREAL] * 2 + [ImageKind.BW_STYLIZED] * 6 + [ImageKind.COLOR_STYLIZED] * 4
    )


@pytest.mark.parametrize(
    ("photoreal", "bw", "colour"), [(0, 0, 0), (1, 0, 0), (0, 5, 0), (0, 0, 3), (13, 4, 3)]
)
def test_a_custom_mix_gets_its_counts(photoreal: int, bw: int, colour: int) -> None:
    mix = ActorMix(photoreal=photoreal, bw_stylized=bw, color_stylized=colour)

    kinds = [prompt.kind for prompt in actor_prompts(ActorType.ROBOTIC, ActorSex.UNKNOWN, mix=mix)]

    assert kinds == (
        [ImageKind.PHOTOREAL] * photoreal
        + [ImageKind.BW_STYLIZED] * bw
        + [ImageKind.COLOR_STYLIZED] * colour
    )


def test_libraries_are_at_least_as_large_as_the_originals() -> None:
    assert len(PHOTOREAL_PROMPTS) >= 15
    assert len(BW_STYLIZED_PROMPTS) >= 11
    assert len(COLOR_STYLIZED_PROMPTS) >= 9
    assert len(set(ALL_TEMPLATES)) == len(ALL_TEMPLATES)


@pytest.mark.parametrize("template", ALL_TEMPLATES)
def test_every_template_names_the_subject_once_and_no_gender(template: str) -> None:
    assert template.count("{subject}") == 1
    assert not words_of(template) & {"he", "she", "his", "her", "him", "man", "woman"}


def test_bw_prompts_say_black_and_white_and_carry_no_colour() -> None:
    for template in BW_STYLIZED_PROMPTS:
        assert template.startswith("A black-and-white ")
        assert strip_colour_words(template) == template


def test_colour_prompts_are_never_black_and_white() -> None:
    for template in COLOR_STYLIZED_PROMPTS:
        assert "black-and-white" not in template
        assert "monochrome" not in template.lower()


def test_photoreal_scenes_vary_the_angle_and_keep_the_subject_off_centre() -> None:
    joined = " ".join(PHOTOREAL_PROMPTS).lower()

    for angle in ("dutch angle", "low-angle", "high angle", "eye-level"):
        assert angle in joined
    for template in PHOTOREAL_PROMPTS:
        assert "left" in template or "right" in template


@pytest.mark.parametrize(
    ("actor_type", "actor_sex", "subject"),
    [
        (ActorType.HUMAN, ActorSex.MALE, "the man"),
        (ActorType.HUMAN, ActorSex.FEMALE, "the woman"),
        (ActorType.HUMAN, ActorSex.UNKNOWN, "the person"),
        *[(ActorType.CREATURE, sex, "the creature") for sex in ActorSex],
        *[(ActorType.ROBOTIC, sex, "the robot") for sex in ActorSex],
        *[(ActorType.ANTHROPOMORPHIC, sex, "the anthropomorphic character") for sex in ActorSex],
        *[(ActorType.MYTHICAL, sex, "the mythical being") for sex in ActorSex],
    ],
)
def test_the_subject_follows_type_and_sex(
    actor_type: ActorType, actor_sex: ActorSex, subject: str
) -> None:
    assert subject_phrase(actor_type, actor_sex) == subject
    for prompt in actor_prompts(actor_type, actor_sex, mix=EVERY_KIND):
        assert subject in prompt.text.lower()
        assert "{subject}" not in prompt.text


def test_every_prompt_starts_with_a_capital_letter() -> None:
    for actor_type, actor_sex in itertools.product(ActorType, ActorSex):
        for prompt in actor_prompts(actor_type, actor_sex, mix=EVERY_KIND):
            assert prompt.text[0].isupper()


def test_description_and_outfit_replace_the_generic_subject() -> None:
    kwargs = {"description": "a tall man with a grey beard", "outfit": "a navy peacoat"}
    prompts = actor_prompts(ActorType.HUMAN, ActorSex.MALE, mix=EVERY_KIND, **kwargs)

    for prompt in prompts:
        assert "the man" not in prompt.text.lower()
        if prompt.kind is ImageKind.BW_STYLIZED:
            assert "a tall man with a grey beard, wearing a peacoat," in prompt.text.lower()
        else:
            assert "a tall man with a grey beard, wearing a navy peacoat," in prompt.text.lower()
    assert prompts[0].text.startswith("A tall man with a grey beard, wearing a navy peacoat, ")


def test_an_outfit_alone_dresses_the_generic_subject() -> None:
    assert (
        subject_phrase(ActorType.HUMAN, ActorSex.FEMALE, outfit="a red dress")
        == "the woman, wearing a red dress,"
    )
    for text in texts(ImageKind.BW_STYLIZED, outfit="a red dress"):
        assert "the woman, wearing a dress," in text


def test_a_description_alone_replaces_the_subject() -> None:
    assert (
        subject_phrase(ActorType.CREATURE, ActorSex.UNKNOWN, description="a scaly lizard-folk")
        == "a scaly lizard-folk"
    )


def test_catalog_text_is_made_to_fit_mid_sentence() -> None:
    subject = subject_phrase(
        ActorType.HUMAN,
        ActorSex.MALE,
        description="  A tall man with\na grey beard. ",
        outfit="Wearing a long coat.",
    )

    assert subject == "a tall man with a grey beard, wearing a long coat,"


@pytest.mark.parametrize("blank", [None, "", "   ", "."])
def test_blank_catalog_text_keeps_the_generic_subject(blank: str | None) -> None:
    assert subject_phrase(ActorType.HUMAN, ActorSex.MALE, description=blank, outfit=blank) == (
        "the man"
    )


def test_rendered_prompts_have_no_stray_punctuation_or_gaps() -> None:
    for description, outfit in itertools.product(
        [None, "a tall man", COLOURFUL_DESCRIPTION], [None, "a coat", COLOURFUL_OUTFIT]
    ):
        for prompt in actor_prompts(
            ActorType.HUMAN, ActorSex.MALE, mix=EVERY_KIND, description=description, outfit=outfit
        ):
            assert not re.search(r",\s*,|\s[,.]|\s{2}|,\.", prompt.text), prompt.text


def test_the_same_seed_gives_the_same_set() -> None:
    first = actor_prompts(ActorType.HUMAN, ActorSex.MALE, seed=42)

    assert actor_prompts(ActorType.HUMAN, ActorSex.MALE, seed=42) == first


def test_different_seeds_choose_different_prompts() -> None:
    sets = {
        tuple(prompt.text for prompt in actor_prompts(ActorType.HUMAN, ActorSex.MALE, seed=seed))
        for seed in range(10)
    }

    assert len(sets) == 10


@pytest.mark.parametrize("seed", range(5))
def test_no_prompt_repeats_while_the_library_lasts(seed: int) -> None:
    prompts = actor_prompts(ActorType.HUMAN, ActorSex.MALE, mix=EVERY_KIND, seed=seed)

    for kind, library in PROMPT_LIBRARIES.items():
        chosen = [prompt.text for prompt in prompts if prompt.kind is kind]
        assert len(set(chosen)) == len(library)


def test_past_the_library_the_order_wraps_around() -> None:
    size = len(COLOR_STYLIZED_PROMPTS)
    mix = ActorMix(photoreal=0, bw_stylized=0, color_stylized=size * 2 + 1)

    chosen = [prompt.text for prompt in actor_prompts(ActorType.HUMAN, ActorSex.MALE, mix=mix)]

    assert len(set(chosen[:size])) == size
    assert chosen[size:] == [*chosen[:size], chosen[0]]


def test_one_kinds_count_leaves_the_others_choice_alone() -> None:
    few = ActorMix(photoreal=1, bw_stylized=6, color_stylized=4)
    many = ActorMix(photoreal=9, bw_stylized=6, color_stylized=4)

    def stylised(mix: ActorMix) -> list[str]:
        prompts = actor_prompts(ActorType.MYTHICAL, ActorSex.UNKNOWN, mix=mix, seed=7)
        return [prompt.text for prompt in prompts if prompt.kind is not ImageKind.PHOTOREAL]

    assert stylised(few) == stylised(many)


def test_no_colour_word_survives_in_a_bw_prompt() -> None:
    bw = texts(ImageKind.BW_STYLIZED, description=COLOURFUL_DESCRIPTION, outfit=COLOURFUL_OUTFIT)

    for text in bw:
        assert not words_of(text) & COLOUR_WORDS, text
        assert "black-and-white" in text
    assert any("crimson" in text for text in texts(ImageKind.PHOTOREAL, outfit=COLOURFUL_OUTFIT))


def test_the_colour_list_is_large() -> None:
    assert len(COLOUR_WORDS) >= 100
    assert not COLOUR_WORDS & {"black", "white", "grey", "gray", "silver", "charcoal", "ink"}


@pytest.mark.parametrize("word", sorted(COLOUR_WORDS))
def test_every_colour_word_goes_in_any_case(word: str) -> None:
    for written in (word, word.capitalize(), word.upper()):
        assert (
            strip_colour_words(f"a cloak of {written} silk, flowing") == "a cloak of silk, flowing"
        )


@pytest.mark.parametrize(
    "phrase",
    [
        "black-and-white",
        "black and white",
        "rich blacks",
        "white highlights",
        "grey tones",
        "gray tones",
        "monochrome",
        "greyscale",
        "grayscale",
        "jet-black",
        "steel-grey",
        "off-white",
        "silver",
    ],
)
def test_black_and_white_phrases_are_protected(phrase: str) -> None:
    prompt = f"A charcoal drawing in {phrase}, dramatic light"

    assert strip_colour_words(prompt) == prompt


@pytest.mark.parametrize(
    "prompt",
    [
        "Robert Redford talks to a goldsmith",
        "a walk through Greenwich among bluebells",
        "a tangent of reddened light",
        "the Orangery at Kew, a Goldilocks story",
        "credited to a bluesman",
    ],
)
def test_a_word_that_only_contains_a_colour_survives(prompt: str) -> None:
    assert strip_colour_words(prompt) == prompt


@pytest.mark.parametrize(
    ("prompt", "stripped"),
    [
        ("a red and gold cloak", "a cloak"),
        ("a cloak of red, gold and violet silk", "a cloak of silk"),
        ("light through blue-green water", "light through water"),
        ("a blood-red sky over a red-haired woman", "a sky over a woman"),
        ("a red, white and blue flag", "a white flag"),
        ("a black and red jacket", "a black jacket"),
        ("an amber lamp and an orange glow", "a lamp and a glow"),
        ("a teal umbrella", "an umbrella"),
        ("a crimson, tattered banner", "a tattered banner"),
        ("deep reds, golds and blacks, rich blacks", "deep blacks, rich blacks"),
        ("Crimson light floods the room", "light floods the room"),
        ("neon signs and pastel walls", "signs and walls"),
        ("a reddish, bluish haze", "a haze"),
        ("lit in teal and", "lit in"),
        ("a grey coat over a navy shirt.", "a grey coat over a shirt."),
    ],
)
def test_removal_leaves_no_dangling_words_or_punctuation(prompt: str, stripped: str) -> None:
    assert strip_colour_words(prompt) == stripped
