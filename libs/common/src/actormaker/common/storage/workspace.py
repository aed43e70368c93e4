"""The workspace storage a service uses: a local folder or an S3 bucket, as settings say."""

from actormaker.common.s3client import s3_clients
from actormaker.common.settings import CommonSettings
from actormaker.common.storage.interface import Storage
from actormaker.common.storage.local import LocalStorage
from actormaker.common.storage.s3 import S3Storage


def open_workspace(settings: CommonSettings) -> Storage:
    """LocalStorage under DATA_DIR, or S3Storage in WORKSPACE_BUCKET when STORAGE=s3."""
    if settings.storage == "s3":
        return S3Storage(bucket=settings.workspace_bucket, client_factory=s3_clients(settings))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return LocalStorage(settings.data_dir)
