"""What the dataset API (training images, generation, history, candidates) takes and answers."""

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actormaker.common.schemas.img2img import Img2ImgOverrides, Img2ImgSettings
from actormaker.gateway.styles.schemas import FileName

Prompt = Annotated[str, Field(min_length=1, max_length=4000)]
Selection = Literal["missing", "stale", "all"]


class MadeWith(BaseModel):
    """What a training image was made with, from its record."""

    prompt: str
    caption: str
    settings: Img2ImgSettings
    fingerprint: str
    runpod_job_id: str
    created_at: datetime


class TrainingImagePublic(BaseModel):
    filename: str
    url: str
    thumbnail_url: str
    base_image: str | None
    size: int
    modified: datetime
    stale: bool | None  # None: no record of how it was made
    stale_reasons: list[str]
    made_with: MadeWith | None


class BaseImageEntry(BaseModel):
    """A base image with its caption status and the training image made from it."""

    filename: str
    url: str
    thumbnail_url: str
    caption: str | None
    has_caption: bool
    training_image: TrainingImagePublic | None


class TrainingImagesV1(BaseModel):
    images: list[TrainingImagePublic]


class TrainingImagesV2(BaseModel):
    images: list[BaseImageEntry]


class GenerateRequest(BaseModel):
    """Generate for the named base images, or for a selection; settings override the style's."""

    model_config = ConfigDict(extra="forbid")

    images: list[FileName] | None = Field(default=None, min_length=1, max_length=2000)
    select: Selection | None = None
    settings: Img2ImgOverrides | None = None

    @model_validator(mode="after")
    def _one_choice(self) -> Self:
        if (self.images is None) == (self.select is None):
            raise ValueError("give exactly one of 'images' and 'select'")
        return self


class CandidateRequest(BaseModel):
    """One try for one base image with settings overridden for this try only."""

    model_config = ConfigDict(extra="forbid")

    image: FileName
    settings: Img2ImgOverrides | None = None
    prompt: Prompt | None = None


class CandidatePublic(BaseModel):
    id: str
    image: str
    url: str
    thumbnail_url: str
    base_image_url: str | None
    training_image: TrainingImagePublic | None  # what it would replace, for comparison
    made_with: MadeWith


class CandidatesPublic(BaseModel):
    candidates: list[CandidatePublic]


class VersionPublic(BaseModel):
    version: str
    url: str
    thumbnail_url: str
    made_with: MadeWith | None


class VersionsPublic(BaseModel):
    filename: str
    versions: list[VersionPublic]


class Accepted(BaseModel):
    image: str
    training_image: TrainingImagePublic


TrainingImagesVersion = Literal["v1", "v2"]
