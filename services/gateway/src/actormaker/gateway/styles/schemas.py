"""What the style library API takes and answers. The table row stays inside."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from actormaker.common.schemas.img2img import Img2ImgSettings, LoraStrength

StyleId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]


def _number_as_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# The seed system's files and requests write style ids as strings or numbers ("16" or 16).
StyleRef = Annotated[StyleId, BeforeValidator(_number_as_text)]
FileName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")]
StyleName = Annotated[str, Field(min_length=1, max_length=200)]
Trigger = Annotated[str, Field(min_length=1, max_length=200)]
Pad = Annotated[str, Field(max_length=4000)]


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time stored is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class StyleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: StyleId | None = None  # None: the next free number, like the registry's ids
    name: StyleName
    folder: FileName | None = None  # None: "{id}_{slug of name}", the seed's folder naming
    lora_name: FileName
    lora_strength_model: LoraStrength = 1.0
    lora_strength_clip: LoraStrength = 1.0
    trigger_words: Trigger | None = None
    frontpad: Pad = ""
    backpad: Pad = ""
    settings: Img2ImgSettings = Img2ImgSettings()


class StyleUpdate(BaseModel):
    """A partial update; the id and folder never change."""

    model_config = ConfigDict(extra="forbid")

    name: StyleName | None = None
    lora_name: FileName | None = None
    lora_strength_model: LoraStrength | None = None
    lora_strength_clip: LoraStrength | None = None
    trigger_words: Trigger | None = None
    frontpad: Pad | None = None
    backpad: Pad | None = None

    @field_validator(
        "name",
        "lora_name",
        "lora_strength_model",
        "lora_strength_clip",
        "frontpad",
        "backpad",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Only trigger_words can be cleared; for the rest, null is a mistake, not "keep it".
        if value is None:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value


class StylePublic(BaseModel):
    id: str
    name: str
    folder: str
    lora_name: str
    lora_strength_model: float
    lora_strength_clip: float
    trigger_words: str | None
    frontpad: str
    backpad: str
    settings: Img2ImgSettings
    fingerprint: str
    created_at: datetime
    updated_at: datetime

    _utc = field_validator("created_at", "updated_at")(aware)


class StylesPublic(BaseModel):
    data: list[StylePublic]
    count: int


class StylesImported(BaseModel):
    created: list[str]
    updated: list[str]
