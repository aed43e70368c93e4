"""s3sync commands: move one file between an allowed S3 bucket and workspace storage.

Each command names its bucket, object key and storage key explicitly, so the worker needs no
state: the gateway decides what goes where, and the worker checks it again before it acts.
"""

from typing import Literal

from pydantic import BaseModel

from actormaker.common.schemas.base import Command

S3SYNC = "s3sync"
MANIFEST_LOCKS_BUCKET = "s3sync_manifest_locks"
"""KV bucket whose entries serialise updates of one response.json across worker replicas."""


class DownloadFile(Command):
    """Copy s3://bucket/s3_key to `local_key` in workspace storage, unless it already matches."""

    SERVICE = S3SYNC
    ACTION = "download"

    bucket: str
    s3_key: str
    local_key: str


class UploadFile(Command):
    """Copy `local_key` to s3://bucket/s3_key unless it already matches, then list `url`
    in the response.json at `manifest_key` (when given)."""

    SERVICE = S3SYNC
    ACTION = "upload"

    local_key: str
    bucket: str
    s3_key: str
    url: str
    manifest_key: str | None = None


class FileSynced(BaseModel):
    """What a download or upload did: the output of its item."""

    action: Literal["downloaded", "uploaded", "skipped"]
    bucket: str
    s3_key: str
    local_key: str
    size: int
    etag: str | None
    reason: str
    url: str | None = None
