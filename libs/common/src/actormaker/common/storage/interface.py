"""The storage interface every backend implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime
    """Last modification, timezone-aware UTC."""
    etag: str | None
    """MD5 hex of the content when the backend knows it without reading."""


class Storage(Protocol):
    """Objects under validated keys; every write is atomic."""

    async def read(self, key: str) -> bytes:
        """Return the object's bytes; NotFound("file", key) if it does not exist."""
        ...

    async def write(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        """Store `data` under `key` atomically, replacing any previous object."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether an object exists under `key`."""
        ...

    async def stat(self, key: str) -> ObjectInfo | None:
        """The object's info, or None if it does not exist."""
        ...

    async def delete(self, key: str) -> bool:
        """Delete the object; True if something was deleted."""
        ...

    async def list(self, prefix: str) -> list[ObjectInfo]:
        """Every object under the key prefix `prefix` (whole segments, '' = all), sorted by key."""
        ...

    async def copy(self, src: str, dst: str) -> ObjectInfo:
        """Copy the object at `src` to `dst` atomically; NotFound if `src` does not exist."""
        ...

    async def md5(self, key: str) -> str:
        """MD5 hex digest of the object's content; NotFound if it does not exist."""
        ...
