"""What the API key routes read and answer. The key itself appears only in ApiKeyCreated."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actormaker.gateway.access.scopes import Scope
from actormaker.gateway.schemas import as_utc

KeyName = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="letters, digits, '.', '_' and '-'; unique, never reused",
    ),
]


class ApiKeyCreate(BaseModel):
    name: KeyName
    scopes: list[Scope] = Field(min_length=1, max_length=3, description="admin ⊇ write ⊇ read")
    rate_limit_per_minute: int | None = Field(
        default=None, ge=0, le=1_000_000, description="unset: API_RATE_LIMIT_PER_MINUTE; 0: none"
    )


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    name: str
    prefix: str
    scopes: list[Scope]
    rate_limit_per_minute: int | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    _utc = field_validator("created_at", "last_used_at", "revoked_at")(as_utc)


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="the key: shown this once, never again")


class ApiKeysPublic(BaseModel):
    data: list[ApiKeyPublic]
