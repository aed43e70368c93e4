"""The img2img prompt: frontpad + caption + backpad, the caption coming from the request or file."""

import re
from dataclasses import dataclass
from typing import Literal

from actormaker.common.errors import NotFound
from actormaker.common.schemas.img2img import GenerateTrainingImage, StyleSpec
from actormaker.common.storage import Storage
from actormaker.common.style_files import (
    DEFAULT_CAPTION,
    TRIGGER_PLACEHOLDER,
    caption_key,
    parse_image_name,
)

CaptionSource = Literal["request", "file", "default"]


@dataclass(frozen=True)
class Caption:
    text: str
    source: CaptionSource


async def read_caption(storage: Storage, command: GenerateTrainingImage) -> Caption:
    """The request's prompt, else the base image's caption file, else the seed's default."""
    if command.prompt and command.prompt.strip():
        return Caption(command.prompt.strip(), "request")
    stem, _ = parse_image_name(command.image)
    try:
        text = (await storage.read(caption_key(stem))).decode("utf-8", errors="replace").strip()
    except NotFound:
        text = ""
    return Caption(text, "file") if text else Caption(DEFAULT_CAPTION, "default")


def build_prompt(style: StyleSpec, caption: str) -> str:
    """frontpad, caption, backpad joined by ", "; a [TRIGGER] placeholder becomes the trigger."""
    parts = (
        style.frontpad,
        caption.replace(TRIGGER_PLACEHOLDER, style.trigger or ""),
        style.backpad,
    )
    cleaned = (re.sub(r"\s+", " ", part).strip(" ,") for part in parts)
    return ", ".join(part for part in cleaned if part)
