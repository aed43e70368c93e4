"""The img2img contract: style datasets, the command that makes one training image, its record.

The gateway and the img2img worker both build storage keys from the layout here, so a style's
folder is spelled one way everywhere (ORIGINAL_SYSTEM.md, pitfalls: "derive paths from one helper").

resources/input_images/{name}.{jpg|jpeg|png|webp}      base image
resources/input_images/{name}.txt                      its caption
resources/style_images/{folder}/{name}_training.jpg    training image (+ .json record, .txt caption)
  history/{name}_training.{stamp}.jpg                  earlier versions (+ .json, .txt)
  candidates/{candidate_id}.jpg                        edit-flow candidates (+ .json, .txt)
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import AliasChoices, AliasGenerator, BaseModel, ConfigDict, Field, JsonValue
from pydantic.alias_generators import to_camel

from actormaker.common.errors import InvalidName, NotFound
from actormaker.common.schemas.base import Command, utcnow
from actormaker.common.storage.interface import Storage
from actormaker.common.storage.keys import join_key, validate_name

BASE_IMAGES = "resources/input_images"
STYLE_IMAGES = "resources/style_images"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
IMG2IMG_WORKFLOW = "img2img_workflow"  # workflows/{name}.json and {name}.binding.json
DEFAULT_CAPTION = "a movie scene"
TRIGGER_PLACEHOLDER = "[TRIGGER]"

# Ranges follow ComfyUI's own widget limits where they are sane; the seed's values are defaults.
Seed = Annotated[int, Field(ge=0, le=2**53 - 1)]  # largest integer every JSON client keeps exact
Steps = Annotated[int, Field(ge=1, le=150)]
Cfg = Annotated[float, Field(ge=0.0, le=30.0)]
Denoise = Annotated[float, Field(ge=0.0, le=1.0)]
Guidance = Annotated[float, Field(ge=0.0, le=30.0)]
Side = Annotated[int, Field(ge=64, le=4096, multiple_of=8)]
# ComfyUI's sampler and scheduler lists change between versions, so only the shape is checked.
SamplerName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,63}$")]
LoraStrength = Annotated[float, Field(ge=-10.0, le=10.0)]

# Input may use the seed's camelCase names (samplerName, seedLocked); output is always snake_case.
_CAMEL_INPUT = AliasGenerator(validation_alias=lambda name: AliasChoices(name, to_camel(name)))


class Img2ImgSettings(BaseModel):
    """Per-style img2img settings; snake_case or the seed's camelCase names are accepted."""

    model_config = ConfigDict(frozen=True, extra="ignore", alias_generator=_CAMEL_INPUT)

    seed: Seed = 877452
    seed_locked: bool = True
    steps: Steps = 20
    cfg: Cfg = 1.0
    denoise: Denoise = 0.8
    guidance: Guidance = 3.5
    width: Side = 1360
    height: Side = 768
    sampler_name: SamplerName = "euler"
    scheduler_name: SamplerName = "ddim_uniform"

    def with_overrides(self, overrides: "Img2ImgOverrides | None") -> Self:
        """These settings with every field the overrides set replaced."""
        if overrides is None:
            return self
        return self.model_copy(update=overrides.model_dump(exclude_unset=True))


class Img2ImgOverrides(BaseModel):
    """Settings for one request or one try; unset fields keep the style's value."""

    model_config = ConfigDict(extra="forbid", alias_generator=_CAMEL_INPUT)

    seed: Seed | None = None
    seed_locked: bool | None = None
    steps: Steps | None = None
    cfg: Cfg | None = None
    denoise: Denoise | None = None
    guidance: Guidance | None = None
    width: Side | None = None
    height: Side | None = None
    sampler_name: SamplerName | None = None
    scheduler_name: SamplerName | None = None


class StyleSpec(BaseModel):
    """What a worker needs to know about a style: it never reads the style library itself."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    folder: str
    lora_name: str
    lora_strength_model: LoraStrength = 1.0
    lora_strength_clip: LoraStrength = 1.0
    frontpad: str = ""
    backpad: str = ""
    trigger: str | None = None


def settings_fingerprint(style: StyleSpec, settings: Img2ImgSettings) -> str:
    """A digest of everything that shapes a training image; a changed digest means stale.

    An unlocked seed is drawn anew for every image, so it is left out.
    """
    made_by = {
        "lora": [style.lora_name, style.lora_strength_model, style.lora_strength_clip],
        "pads": [style.frontpad, style.backpad],
        "settings": settings.model_dump(exclude={"seed"} if not settings.seed_locked else set()),
    }
    canonical = json.dumps(made_by, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


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


class GenerateTrainingImage(Command):
    """Make one training image (or one edit-flow candidate) from one base image."""

    SERVICE = "img2img"
    ACTION = "generate"

    style: StyleSpec
    settings: Img2ImgSettings
    image: str  # base image file name; the item key, so progress events name it
    prompt: str | None = None  # overrides the caption file, as the seed's `Prompt` does
    workflow: dict[str, JsonValue] | None = None  # a request's own workflow; None = the template
    candidate_id: str | None = None  # set: write a candidate, not the training image


class TrainingImageRecord(BaseModel):
    """Written beside each training image: what made it, so staleness can be judged later."""

    model_config = ConfigDict(extra="ignore")

    image: str
    style_id: str
    style: StyleSpec
    settings: Img2ImgSettings
    fingerprint: str
    prompt: str
    caption: str
    caption_source: Literal["request", "file", "default"]
    workflow: Literal["template", "request"]
    runpod_job_id: str
    job_id: UUID
    width: int
    height: int
    created_at: datetime = Field(default_factory=utcnow)


class TrainingImageGenerated(BaseModel):
    """The output of a succeeded generate item."""

    status: Literal["COMPLETED"] = "COMPLETED"
    image: str
    key: str
    record_key: str
    candidate_id: str | None = None
    runpod_job_id: str
    prompt: str
    seed: int
    width: int
    height: int
