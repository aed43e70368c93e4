"""The API key table. Only a key's hash is stored: the key itself is shown once, at creation."""

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import JSON, DateTime, String
from sqlmodel import Field, SQLModel

from actormaker.common.schemas import utcnow


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    # Never reused, revoked keys included, so a name in a log or a listing means one key.
    name: str = Field(sa_type=String(64), unique=True)
    key_hash: str = Field(sa_type=String(64), unique=True)  # sha256 hex of the key
    prefix: str = Field(sa_type=String(16))  # the key's first characters, to recognise it
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)
    rate_limit_per_minute: int | None = None  # None: API_RATE_LIMIT_PER_MINUTE
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
