"""The img2img contract: per-style settings, the command that makes one training image, its record.

Where the files live is in actormaker.common.style_files.
"""

import hashlib
import json
from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import AliasChoices, AliasGenerator, BaseModel, ConfigDict, Field, JsonValue
from pydantic.alias_generators import to_camel

from actormaker.common.schemas.base import Command, utcnow

IMG2IMG_WORKFLOW = "img2img_workflow"  # workflows/{name}.json and {name}.binding.json

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
