"""The stored keys a replica has seen lately, so most requests need no database read.

A valid key is kept for `cache_s` after it was read: a key revoked on another replica (or by
the `keys revoke` command) stops working here within that time; the replica that revoked it
forgets it at once. Only valid keys are kept, so the cache holds no more than the keys there are.
Last use is written at most once a minute per key per replica, not on every request.
"""

import time
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.schemas import utcnow
from actormaker.gateway.access.keys import find_active_key, key_hash, record_use
from actormaker.gateway.access.models import ApiKey
from actormaker.gateway.access.scopes import Caller, Scope

RECORD_USE_EVERY_S = 60.0


@dataclass
class _Known:
    key_id: UUID
    caller: Caller
    read_at: float
    use_recorded_at: float | None = None


class KeyRing:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, cache_s: float) -> None:
        self._sessions = sessions
        self._cache_s = cache_s
        self._known: dict[str, _Known] = {}  # by key hash

    async def caller_for(self, key: str) -> Caller | None:
        """Whose unrevoked key `key` is, or None; records its use now and then."""
        digest = key_hash(key)
        now = time.monotonic()
        known = self._known.get(digest)
        if known is None or now - known.read_at >= self._cache_s:
            known = await self._read(digest, now, previous=known)
            if known is None:
                return None
        if known.use_recorded_at is None or now - known.use_recorded_at >= RECORD_USE_EVERY_S:
            known.use_recorded_at = now
            async with self._sessions() as session:
                await record_use(session, known.key_id, utcnow())
        return known.caller

    def forget(self, key_id: UUID) -> None:
        self._known = {d: known for d, known in self._known.items() if known.key_id != key_id}

    async def _read(self, digest: str, now: float, *, previous: _Known | None) -> _Known | None:
        async with self._sessions() as session:
            row = await find_active_key(session, digest)
        if row is None:
            self._known.pop(digest, None)
            return None
        recorded = previous.use_recorded_at if previous else None
        known = _Known(row.id, _caller(row), read_at=now, use_recorded_at=recorded)
        self._known[digest] = known
        return known


def _caller(row: ApiKey) -> Caller:
    return Caller(
        key_id=row.id,
        name=row.name,
        scopes=frozenset(Scope(scope) for scope in row.scopes),
        rate_limit_per_minute=row.rate_limit_per_minute,
    )
