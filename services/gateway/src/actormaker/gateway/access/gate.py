"""Who may call /api: the bootstrap API_KEY and the stored keys, each within its scopes and rate.

Keys are checked only when API_KEY is set; without it (local development) every request passes,
unlimited. A key that is unknown and one that was revoked get the same answer.
"""

import hmac
from uuid import UUID

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.gateway.access.key_ring import KeyRing
from actormaker.gateway.access.keys import KEY_PREFIX
from actormaker.gateway.access.rate_limits import RateLimiter
from actormaker.gateway.access.scopes import BOOTSTRAP, Caller, Scope
from actormaker.gateway.errors import Unauthorized
from actormaker.gateway.settings import GatewaySettings

MISSING_KEY = "missing, unknown or revoked API key: send Authorization: Bearer <key>"


class ApiKeyGate:
    def __init__(self, *, bootstrap: SecretStr | None, keys: KeyRing, limiter: RateLimiter) -> None:
        self._bootstrap = bootstrap.get_secret_value().encode() if bootstrap else None
        self._keys = keys
        self._limiter = limiter

    @classmethod
    def from_settings(
        cls, settings: GatewaySettings, sessions: async_sessionmaker[AsyncSession]
    ) -> "ApiKeyGate":
        return cls(
            bootstrap=settings.api_key,
            keys=KeyRing(sessions, cache_s=settings.api_key_cache_s),
            limiter=RateLimiter(settings.api_rate_limit_per_minute),
        )

    async def admit(
        self, key: str | None, *, needs: Scope, refusal: str = MISSING_KEY
    ) -> Caller | None:
        """The caller, if its key is valid, within its rate and has `needs`; None when open.

        Unauthorized (with `refusal`), TooManyRequests or Forbidden otherwise; a request a key
        may not make still counts towards its rate.
        """
        bootstrap = self._bootstrap
        if bootstrap is None:
            return None
        if key is not None and hmac.compare_digest(key.encode(), bootstrap):
            caller: Caller | None = BOOTSTRAP
        else:
            caller = await self._stored_caller(key)
        if caller is None:
            raise Unauthorized(refusal)
        self._limiter.admit(caller)
        caller.require(needs)
        return caller

    def forget(self, key_id: UUID) -> None:
        """Stop accepting a key this replica has just revoked, at once."""
        self._keys.forget(key_id)

    async def _stored_caller(self, key: str | None) -> Caller | None:
        if key is None or not key.startswith(KEY_PREFIX):
            return None  # not one we issued: no need to ask the database
        return await self._keys.caller_for(key)
