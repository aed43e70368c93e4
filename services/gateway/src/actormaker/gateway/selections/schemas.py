"""Selection-set bodies and answers; the seed's selection_sets.json for export and import."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_IMAGES = 1000
ImageName = Annotated[str, Field(min_length=1, max_length=255)]


def _unique(images: list[str]) -> list[str]:
    seen: set[str] = set()
    twice = sorted({name for name in images if name in seen or seen.add(name)})  # type: ignore[func-returns-value]
    if twice:
        raise ValueError(f"an image may be in a set once: {', '.join(twice[:10])} appear twice")
    return images


class SelectionSetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    images: list[ImageName] = Field(min_length=1, max_length=MAX_IMAGES)

    _no_repeats = field_validator("images")(_unique)


class SelectionSetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    images: list[ImageName] | None = Field(default=None, min_length=1, max_length=MAX_IMAGES)

    @field_validator("images")
    @classmethod
    def _no_repeats(cls, images: list[str] | None) -> list[str] | None:
        return None if images is None else _unique(images)


class SelectionSetPublic(BaseModel):
    id: int  # the set's number, as the seed numbered them
    name: str
    images: list[str]
    image_count: int
    created_at: datetime
    updated_at: datetime


class SelectionSets(BaseModel):
    sets: list[SelectionSetPublic]


class SeedSet(BaseModel):
    """One set of the seed's selection_sets.json (`name` is ours; the seed had none)."""

    model_config = ConfigDict(extra="ignore")

    id: int = Field(ge=1)
    filenames: list[ImageName] = Field(min_length=1, max_length=MAX_IMAGES)
    name: str | None = Field(default=None, min_length=1, max_length=200)

    _no_repeats = field_validator("filenames")(_unique)


class SeedSets(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sets: list[SeedSet] = Field(max_length=1000)


class ImportedSets(BaseModel):
    """Which file id became which set number (a used number is never taken again)."""

    numbers: dict[int, int]
