"""Selection sets: named, numbered, ordered picks of a style's or an actor's training images."""

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from actormaker.common.schemas import utcnow


class SelectionSet(SQLModel, table=True):
    __tablename__ = "selection_set"
    __table_args__ = (UniqueConstraint("owner_kind", "owner_id", "number"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    owner_kind: str = Field(sa_type=String(8), index=True)
    owner_id: str = Field(sa_type=String(64), index=True)
    number: int  # the seed's set id: 1, 2, 3 ... per owner, never reused
    name: str = Field(sa_type=String(200))
    images: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class SelectionNumbers(SQLModel, table=True):
    """The highest set number an owner has ever used, so a deleted set's number stays used."""

    __tablename__ = "selection_numbers"

    owner_kind: str = Field(sa_type=String(8), primary_key=True)
    owner_id: str = Field(sa_type=String(64), primary_key=True)
    highest: int = 0
