"""The s3sync service: its settings and the resources its handlers share, for the runner."""

import contextlib
from collections.abc import AsyncIterator
from functools import partial

from actormaker.common.assets import AssetBucket
from actormaker.common.bus import Bus
from actormaker.common.locks import FileLocks
from actormaker.common.production import require_safe_for_production
from actormaker.common.s3client import s3_clients
from actormaker.common.schemas.s3sync import S3SYNC, DownloadFile, UploadFile
from actormaker.common.service import WorkerRoutes, WorkerService
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import open_workspace
from actormaker.s3sync.download import download_file
from actormaker.s3sync.resources import SyncResources
from actormaker.s3sync.settings import S3SyncSettings
from actormaker.s3sync.upload import upload_file


def s3sync_service(common: CommonSettings, settings: S3SyncSettings) -> WorkerService:
    """The service `python -m actormaker.s3sync` runs, and tests too."""
    require_safe_for_production(common.environment, common)
    return WorkerService(
        name=S3SYNC,
        settings=settings,
        routes=partial(s3sync_routes, common=common, settings=settings),
    )


@contextlib.asynccontextmanager
async def s3sync_routes(
    bus: Bus, *, common: CommonSettings, settings: S3SyncSettings
) -> AsyncIterator[WorkerRoutes]:
    """The handlers with one S3 client for the process (its pool serves every transfer)."""
    locks = await FileLocks.declare(
        bus.js, wait=settings.lock_wait_s, replicas=common.stream_replicas
    )
    async with s3_clients(common)() as s3:
        resources = SyncResources(
            s3=s3,
            storage=open_workspace(common),
            assets=AssetBucket.from_settings(common),
            locks=locks,
        )
        yield WorkerRoutes(
            handlers={
                DownloadFile: partial(download_file, resources=resources),
                UploadFile: partial(upload_file, resources=resources),
            }
        )
