"""The local S3 keeps its objects across restarts: moto holds them in memory, so they are
mirrored to the var dir while the stack runs and put back when it starts again.

Each bucket is a folder: `index.json` maps every key to its ETag, content type and the file that
holds its bytes (named by a digest of the key, so any key is a safe file name). A pass copies
what changed since the last one; a `make run` that is killed loses at most one interval.
"""

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actormaker.common.s3client import S3ClientFactory

INDEX = "index.json"
_OBJECTS = "objects"


@dataclass(frozen=True)
class Stored:
    etag: str
    content_type: str
    file: str

    @classmethod
    def of(cls, entry: dict[str, str]) -> "Stored":
        return cls(etag=entry["etag"], content_type=entry["content_type"], file=entry["file"])


class S3Snapshots:
    """Mirror of some buckets in `root`; `run` keeps it current until `stop`."""

    def __init__(
        self,
        clients: S3ClientFactory,
        buckets: list[str],
        root: Path,
        *,
        interval_s: float,
        log: Callable[[str], None],
    ) -> None:
        self._clients = clients
        self._buckets = buckets
        self._root = root
        self._interval = interval_s
        self._log = log
        self._loop: asyncio.Task[None] | None = None

    async def restore(self) -> int:
        """Put every mirrored object back into its (empty, new) bucket; how many there were."""
        restored = 0
        async with self._clients() as s3:
            for bucket in self._buckets:
                for key, stored in self._index(bucket).items():
                    body = (self._root / bucket / _OBJECTS / stored.file).read_bytes()
                    await s3.put_object(
                        Bucket=bucket, Key=key, Body=body, ContentType=stored.content_type
                    )
                    restored += 1
        return restored

    async def start(self) -> None:
        self._loop = asyncio.create_task(self._keep_mirroring(), name="s3-snapshots")

    async def stop(self) -> None:
        """Stop the loop and take a last snapshot (the server is still up)."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        await self.snapshot()

    async def wait(self) -> int:
        if self._loop is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        return 0

    async def snapshot(self) -> None:
        """Copy new and changed objects to disk and forget deleted ones."""
        async with self._clients() as s3:
            for bucket in self._buckets:
                await self._mirror(s3, bucket)

    async def _keep_mirroring(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.snapshot()
            except Exception as error:  # a failed pass is retried at the next interval
                self._log(f"S3 snapshot failed, retrying in {self._interval:g} s: {error}")

    async def _mirror(self, s3: Any, bucket: str) -> None:
        folder = self._root / bucket
        (folder / _OBJECTS).mkdir(parents=True, exist_ok=True)
        before = self._index(bucket)
        after: dict[str, Stored] = {}
        paginator = s3.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=bucket):
            for listed in page.get("Contents", []):
                key, etag = listed["Key"], listed["ETag"]
                known = before.get(key)
                after[key] = (
                    known if known and known.etag == etag else await self._copy(s3, bucket, key)
                )
        if after == before:
            return
        _write_atomically(
            folder / INDEX, json.dumps({k: vars(v) for k, v in after.items()}).encode()
        )
        kept = {stored.file for stored in after.values()}
        for gone in {stored.file for stored in before.values()} - kept:
            (folder / _OBJECTS / gone).unlink(missing_ok=True)

    async def _copy(self, s3: Any, bucket: str, key: str) -> Stored:
        answer = await s3.get_object(Bucket=bucket, Key=key)
        async with answer["Body"] as body:
            data = await body.read()
        file = hashlib.sha256(key.encode()).hexdigest()
        _write_atomically(self._root / bucket / _OBJECTS / file, data)
        content_type = answer.get("ContentType", "binary/octet-stream")
        return Stored(etag=answer["ETag"], content_type=content_type, file=file)

    def _index(self, bucket: str) -> dict[str, Stored]:
        path = self._root / bucket / INDEX
        if not path.exists():
            return {}
        return {key: Stored.of(entry) for key, entry in json.loads(path.read_text()).items()}


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)
