"""What the base-image API answers and takes."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class BaseImagePublic(BaseModel):
    filename: str
    url: str
    thumbnail_url: str
    size: int
    modified: datetime
    caption: str | None


class BaseImagesPublic(BaseModel):
    images: list[BaseImagePublic]


class CaptionPublic(BaseModel):
    filename: str
    caption: str | None


class CaptionUpdate(BaseModel):
    """An empty caption removes the caption file."""

    model_config = ConfigDict(extra="forbid")

    caption: Annotated[str, Field(max_length=4000)]
