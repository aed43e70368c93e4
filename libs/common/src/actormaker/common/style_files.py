"""Where a style dataset's files live, spelled one way for the gateway and the img2img worker.

ORIGINAL_SYSTEM.md, pitfalls: "derive paths from one helper".

resources/input_images/{name}.{jpg|jpeg|png|webp}      base image
resources/input_images/{name}.txt                      its caption
resources/style_images/{folder}/{name}_training.jpg    training image (+ .json record, .txt caption)
  history/{name}_training.{stamp}.jpg                  earlier versions (+ .json, .txt)
  candidates/{candidate_id}.jpg                        edit-flow candidates (+ .json, .txt)
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from actormaker.common.errors import InvalidName, NotFound
from actormaker.common.storage.interface import Storage
from actormaker.common.storage.keys import join_key, validate_name

BASE_IMAGES = "resources/input_images"
STYLE_IMAGES = "resources/style_images"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
DEFAULT_CAPTION = "a movie scene"
TRIGGER_PLACEHOLDER = "[TRIGGER]"


def training_caption(scene: str, trigger: str | None) -> str:
    """A training caption: the scene, then ", " and the trigger, which appears exactly once.

    ORIGINAL_SYSTEM.md caption conventions; any trigger or [TRIGGER] already in the scene text
    is removed first, so a caption is never written with the trigger twice.
    """
    text = scene.replace(TRIGGER_PLACEHOLDER, " ")
    if trigger:
        text = re.sub(rf"(?<!\w){re.escape(trigger)}(?!\w)", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;])", r"\1", text).lstrip(" ,;").rstrip(" ,;.")
    return f"{text}, {trigger}" if trigger and text else text or (trigger or "")


def parse_image_name(filename: str) -> tuple[str, str]:
    """(stem, extension) of a valid base image file name, else InvalidName."""
    stem, dot, extension = validate_name(filename).rpartition(".")
    if not (stem and dot) or f".{extension.lower()}" not in IMAGE_EXTENSIONS:
        raise InvalidName(
            filename, f"is not an image file name (use {', '.join(IMAGE_EXTENSIONS)})"
        )
    return stem, f".{extension}"


@dataclass(frozen=True)
class TrainingFiles:
    """The objects that make up one training image: the JPEG, its record and its caption."""

    image: str
    record: str
    caption: str

    @classmethod
    def at(cls, folder: str, stem: str) -> Self:
        """The files named `stem` (+ .jpg, .json, .txt) in `folder`."""
        return cls(f"{folder}/{stem}.jpg", f"{folder}/{stem}.json", f"{folder}/{stem}.txt")

    def keys(self) -> tuple[str, str, str]:
        """Image, record and caption keys, in that order."""
        return self.image, self.record, self.caption

    async def copy_to(self, storage: Storage, target: "TrainingFiles") -> bool:
        """Make `target` a copy of these files (one missing here is removed there).

        False, and nothing copied, if there is no image here.
        """
        if not await storage.exists(self.image):
            return False
        for source, destination in zip(self.keys(), target.keys(), strict=True):
            try:
                await storage.copy(source, destination)
            except NotFound:
                await storage.delete(destination)
        return True

    async def delete(self, storage: Storage) -> bool:
        """Delete these files; True if the image was there."""
        deleted = [await storage.delete(key) for key in self.keys()]
        return deleted[0]


@dataclass(frozen=True)
class StyleFolder:
    """Keys inside one style's dataset folder."""

    folder: str

    @property
    def prefix(self) -> str:
        """The folder's own key: resources/style_images/{folder}."""
        return join_key(STYLE_IMAGES, self.folder)

    def training(self, name: str) -> TrainingFiles:
        """The current training image made from base image stem `name`."""
        return TrainingFiles.at(self.prefix, join_key(f"{name}_training"))

    def history(self, name: str, stamp: str) -> TrainingFiles:
        """An earlier training image of `name`, archived at `stamp`."""
        return TrainingFiles.at(f"{self.prefix}/history", join_key(f"{name}_training.{stamp}"))

    @property
    def history_prefix(self) -> str:
        """Where earlier versions are kept."""
        return f"{self.prefix}/history"

    def candidate(self, candidate_id: str) -> TrainingFiles:
        """A candidate made in the edit flow, waiting to be accepted or discarded."""
        return TrainingFiles.at(f"{self.prefix}/candidates", join_key(candidate_id))

    @property
    def candidates_prefix(self) -> str:
        """Where edit-flow candidates wait."""
        return f"{self.prefix}/candidates"


def history_stamp(when: datetime) -> str:
    """The sortable UTC time stamp in a history file name."""
    return when.strftime("%Y%m%dT%H%M%S%fZ")


def base_image_key(filename: str) -> str:
    """The storage key of a base image."""
    return join_key(BASE_IMAGES, filename)


def caption_key(stem: str) -> str:
    """The storage key of a base image's caption."""
    return join_key(BASE_IMAGES, f"{stem}.txt")
