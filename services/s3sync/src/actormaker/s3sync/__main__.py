"""`python -m actormaker.s3sync`: run the s3sync worker until SIGINT/SIGTERM."""

import asyncio
from functools import partial

from actormaker.common.schemas.s3sync import S3SYNC
from actormaker.common.service import serve_worker
from actormaker.s3sync.settings import S3SyncSettings
from actormaker.s3sync.worker import build_worker


def main() -> None:
    settings = S3SyncSettings()
    asyncio.run(
        serve_worker(settings, service=S3SYNC, build=partial(build_worker, settings=settings))
    )


if __name__ == "__main__":
    main()
