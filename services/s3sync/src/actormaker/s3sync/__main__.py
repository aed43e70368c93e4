"""`python -m actormaker.s3sync`: run the s3sync worker until SIGINT/SIGTERM."""

from actormaker.common.service import run_service
from actormaker.common.settings import CommonSettings
from actormaker.s3sync.settings import S3SyncSettings
from actormaker.s3sync.worker import s3sync_service


def main() -> None:
    common = CommonSettings()
    run_service(common, s3sync_service(common, S3SyncSettings()))


if __name__ == "__main__":
    main()
