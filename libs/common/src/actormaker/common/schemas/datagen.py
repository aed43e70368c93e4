"""The dataset-generation contract: the actor set's images and the style set's grids, as commands.

Seeds 002 and 003. An actor set is one command per image (a flux-kontext-pro edit of the
actor's portrait); a style set is one command per grid, each filling its share of the target
with the unique tiles of 3x3 grids, split and upscaled.
"""

from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actormaker.common.schemas.base import Command

Count = Annotated[int, Field(ge=0, le=100)]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1)]
Trigger = Annotated[str, Field(max_length=200)]


class ActorType(StrEnum):
    HUMAN = "human"
    CREATURE = "creature"
    ROBOTIC = "robotic"
    ANTHROPOMORPHIC = "anthropomorphic"
    MYTHICAL = "mythical"


class ActorSex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class ImageKind(StrEnum):
    """The three kinds an actor set mixes (and the balancer of issue 11 counts)."""

    PHOTOREAL = "photoreal"
    BW_STYLIZED = "bw_stylized"
    COLOR_STYLIZED = "color_stylized"


class ActorMix(BaseModel):
    """How many images of each kind an actor set makes; the seed's 2 + 6 + 4 by default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    photoreal: Count = 2
    bw_stylized: Count = 6
    color_stylized: Count = 4

    @property
    def total(self) -> int:
        return self.photoreal + self.bw_stylized + self.color_stylized


class ImageSource(BaseModel):
    """Where an input image is: a workspace storage key, or a URL the gateway has allowed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.key is None) == (self.url is None):
            raise ValueError("give exactly one of key and url")
        return self

    @property
    def name(self) -> str:
        return self.key or self.url or ""


class GenerateActorImage(Command):
    """Make image `index` of an actor's set from its portrait; save it in the seed's layout.

    Every item of a set carries the same `prompt_seed`, so each worker builds the same prompt
    list and takes its own entry: the set never repeats a prompt while the library lasts.
    """

    SERVICE = "datagen"
    ACTION = "actor_image"

    actor: str  # the actor's folder name (data/actors/{actor}), also its trigger
    index: int = Field(ge=0)  # the image is training_data/{actor}_{index}.png
    position: int = Field(ge=0)  # its place in the set's prompt list
    kind: ImageKind
    actor_type: ActorType
    actor_sex: ActorSex
    description: str | None = Field(default=None, max_length=1000)
    outfit: str | None = Field(default=None, max_length=1000)
    mix: ActorMix
    prompt_seed: Seed
    seed: Seed
    portrait: ImageSource
    aspect_ratio: str = "16:9"


class GenerateStyleGrid(Command):
    """Fill `quota` of a style's new training images with unique tiles of 3x3 grids."""

    SERVICE = "datagen"
    ACTION = "style_grid"

    style_id: str
    style_folder: str  # the style's folder (StyleFolder) in workspace storage
    trigger: Trigger = ""
    source: ImageSource
    quota: int = Field(ge=1, le=9)  # how many unique tiles this item keeps
    stem: str  # kept images are {stem}-{n}_training.jpg, n counting from first_number
    first_number: int = Field(ge=1)
    max_grids: int = Field(default=3, ge=1, le=10)  # grids tried before the quota gives up
    upscale_batch: int = Field(default=3, ge=1, le=9)
    debug: bool = False
    seed: Seed


class DatasetImage(BaseModel):
    """One image a generation step saved, and what it was made from."""

    key: str
    caption: str | None = None
    kind: ImageKind | None = None
    description: str | None = None
    url: str | None = None  # the asset bucket's URL of an actor image


class DatasetImages(BaseModel):
    """What one item made: the images it saved, and those it could not (with the reason)."""

    images: list[DatasetImage] = []
    failures: list[str] = []
