"""Build the s3sync worker: the one builder that `python -m actormaker.s3sync` and tests use."""

import contextlib
from functools import partial
from typing import Any

from actormaker.common.assets import AssetBucket
from actormaker.common.bus import Bus, DeliveryPolicy, Worker
from actormaker.common.s3client import s3_clients
from actormaker.common.schemas.s3sync import S3SYNC, DownloadFile, UploadFile
from actormaker.common.storage import open_workspace
from actormaker.s3sync.download import download_file
from actormaker.s3sync.locks import FileLocks
from actormaker.s3sync.resources import SyncResources
from actormaker.s3sync.settings import S3SyncSettings
from actormaker.s3sync.upload import upload_file

# A lock is held for one read-merge-write of a small JSON file; a dead holder's lock expires.
_LOCK_TTL_S = 60.0


class S3SyncWorker(Worker):
    """The worker runtime, plus the S3 client its handlers share, closed when it stops."""

    def __init__(self, bus: Bus, *, resources: contextlib.AsyncExitStack, **options: Any) -> None:
        super().__init__(bus, **options)
        self._resources = resources

    async def stop(self) -> None:
        """Stop pulling and finish in-flight items, then close the S3 client."""
        try:
            await super().stop()
        finally:
            await self._resources.aclose()


async def build_worker(bus: Bus, *, settings: S3SyncSettings) -> S3SyncWorker:
    """The s3sync worker on `bus`, with the workspace storage and S3 endpoint of `settings`."""
    locks = await FileLocks.declare(
        bus.js, ttl=_LOCK_TTL_S, wait=settings.s3sync_lock_wait_s, replicas=settings.stream_replicas
    )
    stack = contextlib.AsyncExitStack()
    # One client for the process: its connection pool is reused by every transfer.
    s3 = await stack.enter_async_context(s3_clients(settings)())
    resources = SyncResources(
        s3=s3,
        storage=open_workspace(settings),
        assets=AssetBucket.from_settings(settings),
        locks=locks,
    )
    return S3SyncWorker(
        bus,
        resources=stack,
        service=S3SYNC,
        handlers={
            DownloadFile: partial(download_file, resources=resources),
            UploadFile: partial(upload_file, resources=resources),
        },
        concurrency=settings.s3sync_concurrency,
        fetch_timeout=settings.s3sync_fetch_timeout_s,
        policy=DeliveryPolicy(
            ack_wait=settings.s3sync_ack_wait_s, max_deliver=settings.s3sync_max_deliver
        ),
    )
