"""The actor table: the catalog imported from actorsData.json. Training data lives in storage."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlmodel import Field, SQLModel

from actormaker.common.schemas import utcnow


class Actor(SQLModel, table=True):
    # The id comes from actorsData.json, so it is stable across imports and installations.
    id: int = Field(primary_key=True)
    name: str = Field(sa_type=String(200), unique=True, index=True)
    age: str | None = Field(default=None, sa_type=String(32))
    sex: str | None = Field(default=None, sa_type=String(32))
    ethnicity: str | None = Field(default=None, sa_type=String(64))
    good: bool = False
    record: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    """The whole actorsData.json entry, so fields we do not model are kept."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
