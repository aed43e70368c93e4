"""The actor set's prompts: cinematic scenes of one actor, as photoreal, B&W and colour images.

Every scene suits any actor type (nothing needs hands, clothes or a human body), so the only
thing that changes with the actor is the subject phrase. The first sentence of a prompt is the
scene and the second the camera; `captions.actor_caption` relies on that.
"""

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from actormaker.common.schemas.datagen import ActorMix, ActorSex, ActorType, ImageKind

PHOTOREAL_PROMPTS = (
    "{subject} sprints across a rain-slicked avenue at night, mid-stride, spray kicking up from "
    "the puddles. Low-angle cinematic film still, hard side light from passing headlights, "
    "subject on the right third, gaze fixed down the street away from the camera.",
    "{subject} leaps the gap between two rooftops at dusk, stretched out in mid-air above the "
    "alley. Cinematic low angle from the lower ledge, warm rim light against a violet sky, "
    "subject high in the left of the frame, eyes on the far ledge, never the lens.",
    "{subject} hauls up a rusted fire escape in a hurry, reaching for the next rung. Dutch "
    "angle looking up the brick wall, cold moonlight cut by a warm window glow, subject "
    "off-centre to the left, looking up and out of frame.",
    "{subject} crouches behind the open door of a parked car, tense and listening. Eye-level "
    "telephoto shot with a compressed background, flickering sodium streetlights, subject in "
    "the lower right third, head turned toward a sound off-screen.",
    "{subject} wades waist-deep through a misty river at dawn, pushing against the current. "
    "High-angle cinematic wide shot, soft dawn light diffused by fog, subject small in the upper "
    "left of the frame, looking toward the far bank.",
    "{subject} pushes through a crowded night market, squeezing between the stalls. Handheld "
    "framing with a slight dutch tilt, mixed lantern and fluorescent light, subject left of "
    "centre, searching the crowd ahead rather than the camera.",
    "{subject} stands braced on a windswept sea cliff as a storm rolls in, spray rising from the "
    "rocks below. Wide low-angle shot, bruised storm clouds with a single break of sunlight, "
    "subject on the left third, staring out to sea.",
    "{subject} races through a pine forest, ducking under a low branch, dust hanging in the air. "
    "Tracking shot from the side at knee height, shafts of late sun through the trees, subject "
    "on the right third, eyes on the path ahead.",
    "{subject} takes a concrete stairwell two steps at a time. Steep high angle down the "
    "stairwell spiral, harsh overhead fluorescent light and deep shadows, subject in the lower "
    "left, gaze on the steps below.",
    "{subject} rolls under a half-closed steel shutter in a warehouse as sparks rain down. "
    "Ground-level cinematic shot, falling sparks against cold industrial backlight, subject "
    "entering from the right edge of the frame, eyes on the gap ahead.",
    "{subject} edges along a narrow ledge on a sheer desert rock face in the midday heat. High "
    "angle from above, bleached hard sunlight with crisp shadows, subject in the bottom right "
    "of the frame, looking sideways along the ledge.",
    "{subject} walks into a blizzard on an empty mountain road, leaning into the wind. Wide shot "
    "with a strong dutch angle, flat overcast light and swirling snow, subject small and "
    "off-centre on the right, head down and turned from the camera.",
    "{subject} sweeps a flashlight beam across a derelict factory floor, moving between pillars. "
    "Low-angle shot through broken machinery, one hard beam cutting the dust under faint "
    "moonlight, subject on the left third, attention on the dark ahead.",
    "{subject} braces in a swaying subway car late at night as the train rounds a bend. Dutch "
    "angle from the end of the carriage, flickering overhead light and streaks of tunnel "
    "lamps, subject right of centre, gazing out of the dark window.",
    "{subject} rows a small wooden boat across a fog-bound lake at first light. High-angle "
    "cinematic wide shot, thick mist and a pale sun low behind it, subject in the lower left "
    "third, looking back toward the shore.",
    "{subject} vaults a chain-link fence in an empty lot, caught at the top of the jump. "
    "Low-angle shot against a hazy city sky, backlit so the edges glow, subject off-centre to "
    "the right, eyes on the landing.",
)

BW_STYLIZED_PROMPTS = (
    "A black-and-white pen-and-ink drawing of {subject} running along a crumbling harbour wall "
    "as waves break over it. Bold cross-hatching, dutch angle, subject on the left third, eyes on "
    "the horizon, not the viewer.",
    "A black-and-white charcoal drawing of {subject} crouching on a stone ledge high above a city "
    "at night. Smudged soft shadows and sharp white highlights, steep high angle, subject "
    "off-centre to the right, looking down into the streets.",
    "A black-and-white etching of {subject} forcing a way through a dense thicket of thorns. Fine "
    "engraved lines and deep cross-hatched shadows, low angle, subject on the right third, gaze "
    "fixed on the path ahead.",
    "A black-and-white noir comic panel of {subject} stepping out of a rain-soaked alley under a "
    "single streetlamp. Heavy solid blacks and stark rim light, extreme dutch angle, subject in "
    "the lower left, glancing back down the alley.",
    "A black-and-white graphite sketch of {subject} balancing on a steel girder high above a "
    "construction site. Loose construction lines and soft grey tones, dizzying high angle, "
    "subject off-centre to the left, eyes on the beam ahead.",
    "A black-and-white woodcut print of {subject} fighting through a storm on a bare moor. Bold "
    "carved lines and rich blacks, low angle against a churning sky, subject on the right "
    "third, head turned into the wind.",
    "A black-and-white ink wash painting of {subject} crossing a rope bridge over a misty gorge. "
    "Flowing greyscale washes, wide high angle, subject small on the left third, looking toward "
    "the far cliff.",
    "A black-and-white linocut of {subject} sprinting down a narrow cobbled lane between tall "
    "houses. Chiselled shapes and stark contrast, ground-level angle, subject right of centre, "
    "gaze down the lane ahead.",
    "A black-and-white manga panel of {subject} landing in a crouch on a rooftop, speed lines "
    "trailing behind. Screentone shading and crisp inked outlines, dutch angle, subject in the "
    "lower right, eyes on a target out of frame.",
    "A black-and-white film noir still of {subject} waiting in a smoky office, light through "
    "venetian blinds striping the wall. High-contrast monochrome, low angle, subject on the left "
    "third, looking out of the window rather than at the viewer.",
    "A black-and-white stippled ink illustration of {subject} climbing a lighthouse's spiral "
    "staircase. Dense dot shading built up into rich blacks, steep high angle down the spiral, "
    "subject off-centre to the right, looking up the stairs.",
    "A black-and-white scratchboard illustration of {subject} wading through tall grass under a "
    "full moon. Fine white lines scratched out of solid black, low angle, subject on the left "
    "third, looking across the field toward the tree line.",
)

COLOR_STYLIZED_PROMPTS = (
    "A dynamic colour comic book illustration of {subject} leaping a rooftop gap at night above "
    "the city lights. Bold inks, flat saturated colour and halftone shading, dutch angle, subject "
    "high on the right third, eyes on the far roof.",
    "A loose watercolour painting of {subject} walking through a sunlit autumn market as leaves "
    "drift down. Soft bleeding washes of amber and rust, slightly high angle, subject on the "
    "left third, browsing the stalls away from the viewer.",
    "A gouache illustration of {subject} paddling a canoe down a jungle river at golden hour. "
    "Matte layered colour and warm light on the water, low angle from the bank, subject "
    "off-centre to the right, looking upstream.",
    "An anime cel-shaded illustration of {subject} dashing along a rain-soaked neon street. "
    "Crisp line art, hard-edged shadows and glowing pink and cyan reflections, low dutch angle, "
    "subject on the left third, eyes on the road ahead.",
    "A vintage pulp-magazine cover painting of {subject} dodging falling rocks in a collapsing "
    "cave. Rich oil colours and flickering torchlight, low angle, subject in the lower right "
    "third, looking up at the debris.",
    "A colourful graphic-novel panel of {subject} racing a motorbike down a desert highway at "
    "sunset. Clean inks and a gradient sky in orange and violet, wide tracking angle, subject "
    "off-centre to the left, eyes on the horizon.",
    "An impressionist oil painting of {subject} standing in the bow of a boat on a choppy sea. "
    "Thick broken brushstrokes in turquoise and white, low angle, subject on the right third, "
    "looking toward a distant lighthouse.",
    "A retro screen-print poster of {subject} climbing a snowy mountain ridge at dawn. A limited "
    "palette of teal, coral and cream in flat shapes, dramatic high angle, subject small on the "
    "left third, looking up toward the summit.",
    "A painted colour concept-art piece of {subject} exploring the ruins of an overgrown temple. "
    "Lush greens and god rays through the canopy, sweeping low angle, subject off-centre to the "
    "right, gazing up at the carved walls.",
    "A coloured pencil and marker illustration of {subject} vaulting a stall in a crowded bazaar. "
    "Energetic strokes in warm saturated hues, dutch angle, subject left of centre, eyes on a "
    "way through the crowd.",
)

PROMPT_LIBRARIES: Mapping[ImageKind, tuple[str, ...]] = {
    ImageKind.PHOTOREAL: PHOTOREAL_PROMPTS,
    ImageKind.BW_STYLIZED: BW_STYLIZED_PROMPTS,
    ImageKind.COLOR_STYLIZED: COLOR_STYLIZED_PROMPTS,
}

_HUMAN_SUBJECTS = {ActorSex.MALE: "the man", ActorSex.FEMALE: "the woman"}
_OTHER_SUBJECTS = {
    ActorType.CREATURE: "the creature",
    ActorType.ROBOTIC: "the robot",
    ActorType.ANTHROPOMORPHIC: "the anthropomorphic character",
    ActorType.MYTHICAL: "the mythical being",
}

# Hues only: black, white, grey and silver are tones a B&W image can show, so they are never
# removed, and that is what keeps "black-and-white", "rich blacks", "white highlights",
# "grey tones", "monochrome" and "greyscale" intact. Words that are mostly something else
# (rose, mint, sage, honey, denim, camel, rust) are left out on purpose.
COLOUR_WORDS = frozenset(
    """
    red reds reddish crimson scarlet vermilion vermillion carmine maroon burgundy claret
    oxblood ruby cherry cerise rosy pink pinks pinkish magenta fuchsia orange orangey orangish
    amber tangerine apricot peach coral terracotta yellow yellows yellowish gold golds golden
    lemon mustard ochre ocher saffron citrine green greens greenish emerald jade lime olive
    chartreuse viridian verdant teal teals turquoise aquamarine aqua cyan blue bluish blueish
    navy azure cobalt sapphire cerulean ultramarine indigo periwinkle purple purples purplish
    violet lavender lilac plum mauve amethyst aubergine brown brownish tan beige khaki taupe
    umber sienna sepia mahogany chestnut auburn russet hazel bronze bronzed copper coppery
    neon pastel pastels fluorescent dayglo colorful colourful multicolored multicoloured
    multicolor multicolour rainbow iridescent technicolor polychrome polychromatic
    """.split()  # noqa: SIM905 - as a literal this is 115 lines of one word each
)

_WORD = r"[A-Za-z]+"
_HUES = "|".join(sorted(COLOUR_WORDS, key=len, reverse=True))
# A hue on its own or as any part of a hyphenated word: "blue-green", "blood-red", "red-haired".
_HUED = rf"(?<![\w-])(?:{_WORD}-)*(?:{_HUES})(?:-{_WORD})*(?![\w-])"
_TONES = "blacks|black|whites|white|greys|grey|grays|gray|silver"
_TONE = rf"(?<![\w-])(?:{_WORD}-)*(?:{_TONES})(?:-{_WORD})*(?![\w-])"
_ITEM = rf"(?:{_HUED}|{_TONE})"
_JOIN = r"(?:\s*,\s*(?:(?:and|or)\s+)?|\s+(?:(?:and|or|&)\s+)?|\s*/\s*)"
# A run of colour words with its joins ("red and gold", "red, white and blue") goes as one, so
# no "and" or comma is left dangling; an article in front is re-chosen for the next word.
_COLOUR_RUN = re.compile(
    rf"(?P<article>\b(?:a|an)\s+)?(?P<run>{_ITEM}(?:{_JOIN}{_ITEM})*)(?=[\s,]*(?P<next>\w?))",
    re.IGNORECASE,
)
_HUED_WORD = re.compile(_HUED, re.IGNORECASE)
_VOWELS = frozenset("aeiou")
_ITEM_WORD = re.compile(_ITEM, re.IGNORECASE)


def strip_colour_words(prompt: str) -> str:
    """Drop every hue from a prompt (whole words, any case) and tidy what the removal leaves."""
    return _tidy(_COLOUR_RUN.sub(_drop_hues, prompt))


def _drop_hues(match: re.Match[str]) -> str:
    run = match["run"]
    if not _HUED_WORD.search(run):
        return match[0]
    tones = " and ".join(word for word in _ITEM_WORD.findall(run) if not _HUED_WORD.match(word))
    article = match["article"]
    if article is None:
        return tones
    following = tones or match["next"]
    chosen = "an " if following[:1].lower() in _VOWELS else "a "
    return (chosen.capitalize() if article[0].isupper() else chosen) + tones


def _tidy(text: str) -> str:
    """Collapse the gaps, doubled commas and dangling "and"/"or" that removing words leaves."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",(?:\s*,)+", ",", text)
    text = re.sub(r"\b(?:and|or)([,.;:!?])", r"\1", text)
    text = re.sub(r",([.;:!?])", r"\1", text)
    text = re.sub(r"\b(a|an|the),\s*", r"\1 ", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+(?:and|or)\s*$", "", text)
    return re.sub(r"^[\s,;:]+", "", text).strip()


def subject_phrase(
    actor_type: ActorType,
    actor_sex: ActorSex,
    *,
    description: str | None = None,
    outfit: str | None = None,
) -> str:
    """Who the prompt is about: the catalog's description and outfit, else "the man" and kin."""
    subject = _as_phrase(description) or _generic_subject(actor_type, actor_sex)
    clothing = _as_phrase(outfit)
    if clothing.lower().startswith("wearing "):
        clothing = clothing[len("wearing ") :]
    # The closing comma ends the apposition before the verb: "the man, wearing a coat, runs".
    return f"{subject}, wearing {clothing}," if clothing else subject


def _generic_subject(actor_type: ActorType, actor_sex: ActorSex) -> str:
    if actor_type is ActorType.HUMAN:
        return _HUMAN_SUBJECTS.get(actor_sex, "the person")
    return _OTHER_SUBJECTS[actor_type]


def _as_phrase(text: str | None) -> str:
    """A catalog field as a phrase that can sit mid-sentence: no end stop, no capital article."""
    phrase = re.sub(r"\s+", " ", text or "").strip().rstrip(".,;:")
    first, _, rest = phrase.partition(" ")
    if first in {"A", "An", "The"}:
        return f"{first.lower()} {rest}"
    return phrase


@dataclass(frozen=True)
class ActorPrompt:
    kind: ImageKind
    text: str


DEFAULT_MIX = ActorMix()


def actor_prompts(
    actor_type: ActorType,
    actor_sex: ActorSex,
    *,
    mix: ActorMix = DEFAULT_MIX,
    description: str | None = None,
    outfit: str | None = None,
    seed: int = 0,
) -> list[ActorPrompt]:
    """The set's prompts, photoreal then B&W then colour, picked from the libraries by seed."""
    subject = subject_phrase(actor_type, actor_sex, description=description, outfit=outfit)
    rng = random.Random(seed)
    counts = {
        ImageKind.PHOTOREAL: mix.photoreal,
        ImageKind.BW_STYLIZED: mix.bw_stylized,
        ImageKind.COLOR_STYLIZED: mix.color_stylized,
    }
    return [
        ActorPrompt(kind=kind, text=_render(template, subject, kind))
        for kind, count in counts.items()
        for template in _pick(PROMPT_LIBRARIES[kind], count, rng)
    ]


def _render(template: str, subject: str, kind: ImageKind) -> str:
    text = _tidy(template.format(subject=subject))
    if kind is ImageKind.BW_STYLIZED:
        text = strip_colour_words(text)
    return text[:1].upper() + text[1:]


def _pick(library: Sequence[str], count: int, rng: random.Random) -> list[str]:
    # The library is shuffled whatever the count, so one kind's count never changes which
    # prompts another kind gets for the same seed; past the library's end the order repeats.
    order = rng.sample(range(len(library)), len(library))
    return [library[order[i % len(order)]] for i in range(count)]
