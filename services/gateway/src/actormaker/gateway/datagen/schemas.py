"""Request and answer bodies of the dataset-generation routes (the seed's field names)."""

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actormaker.common.schemas.datagen import ActorMix, ActorSex, ActorType
from actormaker.gateway.styles.schemas import FileName

SourceUrl = Annotated[str, Field(min_length=8, max_length=2048, pattern=r"^(https|s3)://\S+$")]


class ActorSetRequest(BaseModel):
    """`POST /api/actors/{actor_id}/training-data/generate`; defaults from the catalog."""

    model_config = ConfigDict(extra="forbid")

    actor_type: ActorType | None = None
    actor_sex: ActorSex | None = None
    portrait_url: SourceUrl | None = None  # else the actor's base image
    mix: ActorMix = ActorMix()

    @model_validator(mode="after")
    def _some_images(self) -> Self:
        if self.mix.total == 0:
            raise ValueError("mix asks for no image at all")
        return self


class StyleSetRequest(BaseModel):
    """`POST /api/styles/{style_id}/training-data/generate-from-source`."""

    model_config = ConfigDict(extra="forbid")

    source_image_url: SourceUrl | None = None
    base_image: FileName | None = None
    target_count: int = Field(default=20, ge=1, le=100)
    debug: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.source_image_url is None) == (self.base_image is None):
            raise ValueError("give exactly one of source_image_url and base_image")
        return self


class ProviderCalls(BaseModel):
    kontext: int
    upscale: int
    vision: int


class Estimate(BaseModel):
    """What a run would cost, without calling anything (`?dry_run=true`)."""

    dry_run: bool = True
    images: int
    items: int
    provider_calls: ProviderCalls  # when every grid's tiles are unique enough
    most_provider_calls: ProviderCalls  # when every item needs all its grids
    cost_usd: float
    most_cost_usd: float
    time_bound_s: float  # the critical path at the configured parallelism
