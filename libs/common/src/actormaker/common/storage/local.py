"""Storage in a local folder."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from actormaker.common.errors import InvalidName, NotFound
from actormaker.common.storage.interface import ObjectInfo
from actormaker.common.storage.keys import validate_key, validate_prefix

# Temp files start with '.', which no valid key segment does, so list() never shows them.
_TEMP_PREFIX = ".tmp-"
_MISSING = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


class LocalStorage:
    """Objects as files under `root`; no key ever resolves outside it."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    @property
    def root(self) -> Path:
        """The resolved storage root."""
        return self._root

    async def read(self, key: str) -> bytes:
        """Return the file's bytes; NotFound("file", key) if it does not exist."""
        return await asyncio.to_thread(self._read, key)

    async def write(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        """Write atomically (temp file, fsync, rename); `content_type` is not stored locally."""
        return await asyncio.to_thread(self._write, key, data)

    async def exists(self, key: str) -> bool:
        """Whether a file exists under `key`."""
        return await self.stat(key) is not None

    async def stat(self, key: str) -> ObjectInfo | None:
        """The file's info (etag None), or None if it does not exist."""
        return await asyncio.to_thread(self._stat, key)

    async def delete(self, key: str) -> bool:
        """Delete the file; True if one was deleted."""
        return await asyncio.to_thread(self._delete, key)

    async def list(self, prefix: str) -> list[ObjectInfo]:
        """Every file under the key prefix (whole segments, '' = all), sorted by key."""
        return await asyncio.to_thread(self._list, prefix)

    async def copy(self, src: str, dst: str) -> ObjectInfo:
        """Copy `src` to `dst` atomically; NotFound if `src` does not exist."""
        return await asyncio.to_thread(self._copy, src, dst)

    async def md5(self, key: str) -> str:
        """MD5 hex digest of the file's content."""
        return await asyncio.to_thread(self._md5, key)

    def _path(self, key: str) -> Path:
        # validate_key already excludes traversal; resolving also catches symlinks that leave root.
        path = (self._root / validate_key(key)).resolve()
        if not path.is_relative_to(self._root):
            raise InvalidName(key, "resolves outside the storage root")
        return path

    def _read(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except _MISSING:
            raise NotFound("file", key) from None

    def _write(self, key: str, data: bytes) -> ObjectInfo:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=_TEMP_PREFIX)
        temp_path = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
                # mkstemp creates files as 0600; give the final file ordinary permissions.
                os.fchmod(temp.fileno(), 0o644)
            temp_path.replace(path)
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        return _info(key, path.stat(), etag=etag)

    def _copy(self, src: str, dst: str) -> ObjectInfo:
        validate_key(dst)  # refuse a bad destination before reading anything
        return self._write(dst, self._read(src))

    def _stat(self, key: str) -> ObjectInfo | None:
        try:
            result = self._path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return _info(key, result) if stat.S_ISREG(result.st_mode) else None

    def _delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
        except _MISSING:
            return False
        return True

    def _list(self, prefix: str) -> list[ObjectInfo]:
        prefix = validate_prefix(prefix)
        base = self._path(prefix) if prefix else self._root
        infos: list[ObjectInfo] = []
        # followlinks=False: a symlinked directory is never walked, even one inside root.
        for directory, subdirectories, files in os.walk(base):
            subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
            for name in files:
                if not name.startswith(".") and (info := self._listed(Path(directory, name))):
                    infos.append(info)
        return sorted(infos, key=lambda info: info.key)

    def _listed(self, path: Path) -> ObjectInfo | None:
        key = path.relative_to(self._root).as_posix()
        try:
            result = self._path(key).stat()
        except InvalidName:
            return None  # a name we would refuse, or a symlink leaving root
        except FileNotFoundError:
            return None  # deleted while listing
        return _info(key, result) if stat.S_ISREG(result.st_mode) else None

    def _md5(self, key: str) -> str:
        path = self._path(key)
        try:
            with path.open("rb") as file:
                digest = hashlib.file_digest(file, lambda: hashlib.md5(usedforsecurity=False))
        except _MISSING:
            raise NotFound("file", key) from None
        return digest.hexdigest()


def _info(key: str, result: os.stat_result, *, etag: str | None = None) -> ObjectInfo:
    modified = datetime.fromtimestamp(result.st_mtime, tz=UTC)
    return ObjectInfo(key=key, size=result.st_size, modified=modified, etag=etag)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable, not only the file's content.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
