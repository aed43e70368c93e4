"""Training captions: one line of scene words with the LoRA's trigger once, at the end.

The style and the actor's look are what the trigger should learn, so a caption names only
the scene. Captions carry the trigger themselves; a training request made from them sends
empty class_tokens, or FluxTrainer puts the trigger in front a second time.
"""

import re

# "in this artistic style", "in this style", "in the same painterly style", "in this medium".
_STYLE_PHRASE = re.compile(
    r",?\s*\bin\s+(?:this|that|the\s+same)(?:\s+[\w-]+)?\s+(?:style|medium|manner)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def tile_caption(description: str, trigger: str) -> str:
    """A style tile's caption: its subject without the style phrase, then the trigger."""
    return _with_trigger(_STYLE_PHRASE.sub("", description), trigger)


def actor_caption(prompt: str, trigger: str) -> str:
    """An actor image's caption: the prompt's first sentence (the scene), then the trigger."""
    return _with_trigger(_SENTENCE_END.split(prompt.strip(), maxsplit=1)[0], trigger)


def _with_trigger(caption: str, trigger: str) -> str:
    trigger = _one_line(trigger)
    if not trigger:
        return _one_line(caption)
    # Only copies at the end go, so a trigger that is also an ordinary word keeps its place in
    # the scene (a cat in a caption whose trigger is "cat").
    trailing = re.compile(rf"(?:^|[\s,]){re.escape(trigger)}$", re.IGNORECASE)
    scene = _one_line(caption)
    while trailing.search(scene):
        scene = _one_line(trailing.sub("", scene))
    return f"{scene}, {trigger}" if scene else trigger


def _one_line(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+,", ",", text)
    text = re.sub(r",(?:\s*,)+", ",", text)
    return text.strip(" ,.;:")
