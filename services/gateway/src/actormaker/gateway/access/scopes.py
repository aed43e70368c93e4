"""Scopes and who is calling: what an API key may do, and the caller a request was made by.

The scopes nest, admin ⊇ write ⊇ read: a key that may write may read what it wrote, and an
admin key may do everything.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from actormaker.gateway.errors import Forbidden


class Scope(StrEnum):
    READ = "read"  # GET and HEAD under /api
    WRITE = "write"  # every other method under /api
    ADMIN = "admin"  # /api/admin: API keys


_RANK = {Scope.READ: 0, Scope.WRITE: 1, Scope.ADMIN: 2}
_READ_METHODS = frozenset({"GET", "HEAD"})


def scope_for_method(method: str) -> Scope:
    return Scope.READ if method.upper() in _READ_METHODS else Scope.WRITE


def in_order(scopes: Iterable[Scope]) -> list[Scope]:
    """`scopes` without repeats, weakest first."""
    return sorted(set(scopes), key=_RANK.__getitem__)


@dataclass(frozen=True)
class Caller:
    key_id: UUID | None  # None: the bootstrap API_KEY
    name: str
    scopes: frozenset[Scope]
    rate_limit_per_minute: int | None  # None: API_RATE_LIMIT_PER_MINUTE

    def may(self, needed: Scope) -> bool:
        return any(_RANK[scope] >= _RANK[needed] for scope in self.scopes)

    def require(self, needed: Scope) -> None:
        if not self.may(needed):
            raise Forbidden(
                f"the API key {self.name!r} lacks the {needed} scope this request needs"
            )


BOOTSTRAP = Caller(key_id=None, name="API_KEY", scopes=frozenset(Scope), rate_limit_per_minute=None)
