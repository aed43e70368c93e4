"""Issuing, listing, finding and revoking API keys.

A key is `am_` and 32 random bytes (`secrets.token_urlsafe`); only its sha256 is stored. A fast
hash is enough for keys that random: no one can guess one, so there is nothing for a slow hash
to slow down, and each request can afford to hash its key.
"""

import hashlib
import secrets
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.errors import NotFound
from actormaker.common.schemas import utcnow
from actormaker.gateway.access.models import ApiKey
from actormaker.gateway.access.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from actormaker.gateway.access.scopes import in_order
from actormaker.gateway.errors import Conflict

KEY_PREFIX = "am_"
_SHOWN_CHARACTERS = 8  # after the prefix: 48 of the key's 256 bits, enough to tell keys apart


def new_key() -> str:
    return f"{KEY_PREFIX}{secrets.token_urlsafe(32)}"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(session: AsyncSession, request: ApiKeyCreate) -> ApiKeyCreated:
    """A new key with the request's name and scopes; the answer is the only place it appears."""
    taken = await session.exec(select(ApiKey.id).where(ApiKey.name == request.name))
    if taken.first() is not None:
        raise Conflict(f"an API key named {request.name!r} exists already; names are not reused")
    key = new_key()
    row = ApiKey(
        name=request.name,
        key_hash=key_hash(key),
        prefix=key[: len(KEY_PREFIX) + _SHOWN_CHARACTERS],
        scopes=[scope.value for scope in in_order(request.scopes)],
        rate_limit_per_minute=request.rate_limit_per_minute,
    )
    session.add(row)
    await session.commit()
    return ApiKeyCreated(**ApiKeyPublic.model_validate(row).model_dump(), key=key)


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    """Every key, revoked ones too, newest first."""
    rows = await session.exec(select(ApiKey).order_by(col(ApiKey.created_at).desc()))
    return list(rows.all())


async def revoke_key(session: AsyncSession, key_id: UUID) -> ApiKey:
    """Revoke the key (again is fine: it keeps its first revocation time); NotFound if unknown."""
    row = await session.get(ApiKey, key_id)
    if row is None:
        raise NotFound("API key", str(key_id))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.commit()
    return row


async def find_active_key(session: AsyncSession, digest: str) -> ApiKey | None:
    """The unrevoked key whose hash is `digest`, if any."""
    found = await session.exec(
        select(ApiKey).where(ApiKey.key_hash == digest, col(ApiKey.revoked_at).is_(None))
    )
    return found.first()


async def record_use(session: AsyncSession, key_id: UUID, at: datetime) -> None:
    await session.exec(update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=at))
    await session.commit()
