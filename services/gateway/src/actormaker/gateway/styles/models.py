"""The style library table. A style's img2img settings live in it as one JSON document."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text
from sqlmodel import Field, SQLModel

from actormaker.common.schemas import utcnow


class Style(SQLModel, table=True):
    id: str = Field(primary_key=True, sa_type=String(64))
    name: str = Field(sa_type=String(200))
    # Fixed at creation, so renaming a style never strands its dataset in the old folder.
    folder: str = Field(sa_type=String(200), unique=True)
    lora_name: str = Field(sa_type=String(200))
    lora_strength_model: float = 1.0
    lora_strength_clip: float = 1.0
    trigger_words: str | None = Field(default=None, sa_type=String(200))
    frontpad: str = Field(default="", sa_type=Text)
    backpad: str = Field(default="", sa_type=Text)
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Registry fields this service does not use, kept so nothing an import brought is lost.
    registry_fields: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
