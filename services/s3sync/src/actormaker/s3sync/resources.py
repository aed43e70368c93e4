"""What every s3sync handler shares: one S3 client, workspace storage, the rules and the locks."""

from dataclasses import dataclass
from typing import Any

from actormaker.common.assets import AssetBucket
from actormaker.common.locks import FileLocks
from actormaker.common.s3transfer import TransferResult
from actormaker.common.schemas.s3sync import FileSynced
from actormaker.common.storage import Storage


@dataclass(frozen=True, kw_only=True)
class SyncResources:
    s3: Any
    storage: Storage
    assets: AssetBucket
    locks: FileLocks


def file_synced(result: TransferResult, *, url: str | None = None) -> FileSynced:
    return FileSynced(
        action=result.action,
        bucket=result.bucket,
        s3_key=result.key,
        local_key=result.local_key,
        size=result.size,
        etag=result.etag,
        reason=result.reason,
        url=url,
    )
