"""Short locks in a NATS KV bucket, so replicas on different hosts take turns on one file.

An entry is the lock. Creating it succeeds only while no other holder has one; the bucket's
TTL frees a lock whose holder died before it could delete it.
"""

import asyncio
import contextlib
import hashlib
import logging
import random
from collections.abc import AsyncIterator
from typing import Self
from uuid import uuid4

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from actormaker.common.bus.streams import open_key_value
from actormaker.common.errors import TransientError
from actormaker.common.schemas.s3sync import MANIFEST_LOCKS_BUCKET

log = logging.getLogger(__name__)

_FIRST_DELAY = 0.01
_MAX_DELAY = 0.25
# A lock is held for one read-merge-write of a small JSON file; a dead holder's lock expires.
# Every service declares the bucket with this TTL, so none of them changes it for the others.
LOCK_TTL_S = 60.0


class LockBusy(TransientError):
    def __init__(self, name: str, waited: float) -> None:
        self.name = name
        super().__init__(f"{name} stayed locked by another worker for {waited:g} s")


class FileLocks:
    """Mutual exclusion per storage key, across every process connected to the bus."""

    def __init__(self, kv: KeyValue, *, wait: float) -> None:
        self._kv = kv
        self._wait = wait
        self._owner = uuid4().hex.encode()

    @classmethod
    async def declare(
        cls, js: JetStreamContext, *, wait: float, replicas: int = 1, ttl: float = LOCK_TTL_S
    ) -> Self:
        """Create (or open) the lock bucket; a lock outlives a dead holder by at most `ttl`."""
        config = KeyValueConfig(
            bucket=MANIFEST_LOCKS_BUCKET,
            history=1,
            ttl=ttl,
            storage=StorageType.FILE,
            replicas=replicas,
        )
        return cls(await open_key_value(js, config), wait=wait)

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Hold the lock on `key` for the block; LockBusy if it stays taken for `wait` s."""
        # KV keys allow fewer characters than storage keys, so the entry is named by a hash.
        entry = hashlib.sha256(key.encode()).hexdigest()
        revision = await self._acquire(entry, key)
        try:
            yield
        finally:
            # `last` makes sure only our own lock is released, never a successor's.
            with contextlib.suppress(nats.errors.Error):
                await self._kv.delete(entry, last=revision)

    async def _acquire(self, entry: str, key: str) -> int:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait
        delay = _FIRST_DELAY
        while True:
            try:
                return await self._kv.create(entry, self._owner)
            except KeyWrongLastSequenceError:
                if loop.time() + delay > deadline:
                    raise LockBusy(key, self._wait) from None
            # Jitter keeps replicas that lost the same race from retrying in step.
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, _MAX_DELAY)
