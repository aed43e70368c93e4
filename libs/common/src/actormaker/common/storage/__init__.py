"""One storage interface (validated keys, atomic writes) with a local and an S3 backend."""

from actormaker.common.storage.interface import ObjectInfo, Storage
from actormaker.common.storage.keys import (
    join_key,
    safe_name,
    validate_key,
    validate_name,
    validate_prefix,
)
from actormaker.common.storage.local import LocalStorage
from actormaker.common.storage.s3 import S3Storage
from actormaker.common.storage.workspace import open_workspace

__all__ = [
    "LocalStorage",
    "ObjectInfo",
    "S3Storage",
    "Storage",
    "join_key",
    "open_workspace",
    "safe_name",
    "validate_key",
    "validate_name",
    "validate_prefix",
]
