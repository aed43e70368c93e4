"""Storage in an S3 bucket."""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from actormaker.common.errors import InvalidName, NotFound
from actormaker.common.s3client import S3ClientFactory
from actormaker.common.storage.interface import ObjectInfo
from actormaker.common.storage.keys import validate_key, validate_prefix

_MISSING_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
# A single-part upload's ETag is the content's MD5; a multipart one ends in "-<parts>".
_MD5_ETAG = re.compile(r'"?([0-9a-f]{32})"?')


class S3Storage:
    """Objects in `bucket` under an optional key prefix; a single PUT is atomic."""

    def __init__(self, *, bucket: str, client_factory: S3ClientFactory, prefix: str = "") -> None:
        self._bucket = bucket
        self._client_factory = client_factory
        self._prefix = validate_prefix(prefix)

    async def read(self, key: str) -> bytes:
        """Return the object's bytes; NotFound("file", key) if it does not exist."""
        object_key = self._object_key(key)
        async with self._client_factory() as client:
            try:
                response = await client.get_object(Bucket=self._bucket, Key=object_key)
            except ClientError as exc:
                if _is_missing(exc):
                    raise NotFound("file", key) from None
                raise
            async with response["Body"] as body:
                return await body.read()

    async def write(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        """Store `data` in one PUT that S3 verifies by MD5; a missing content type is guessed."""
        object_key = self._object_key(key)
        digest = hashlib.md5(data, usedforsecurity=False)
        content_type = content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"
        async with self._client_factory() as client:
            await client.put_object(
                Bucket=self._bucket,
                Key=object_key,
                Body=data,
                ContentType=content_type,
                ContentMD5=base64.b64encode(digest.digest()).decode("ascii"),
            )
            head = await client.head_object(Bucket=self._bucket, Key=object_key)
        return _info(key, size=len(data), modified=head["LastModified"], etag=digest.hexdigest())

    async def exists(self, key: str) -> bool:
        """Whether an object exists under `key`."""
        return await self.stat(key) is not None

    async def stat(self, key: str) -> ObjectInfo | None:
        """The object's info, or None if it does not exist."""
        object_key = self._object_key(key)
        async with self._client_factory() as client:
            head = await self._head(client, object_key)
        if head is None:
            return None
        return _info(
            key, size=head["ContentLength"], modified=head["LastModified"], etag=head.get("ETag")
        )

    async def delete(self, key: str) -> bool:
        """Delete the object; True if one was deleted."""
        object_key = self._object_key(key)
        async with self._client_factory() as client:
            # DeleteObject succeeds for missing keys too, so ask first to report what happened.
            if await self._head(client, object_key) is None:
                return False
            await client.delete_object(Bucket=self._bucket, Key=object_key)
        return True

    async def list(self, prefix: str) -> list[ObjectInfo]:
        """Every object under the key prefix (whole segments, '' = all), sorted by key."""
        full_prefix = "/".join(part for part in (self._prefix, validate_prefix(prefix)) if part)
        s3_prefix = f"{full_prefix}/" if full_prefix else ""
        own_prefix_length = len(self._prefix) + 1 if self._prefix else 0
        infos: list[ObjectInfo] = []
        async with self._client_factory() as client:
            paginator = client.get_paginator("list_objects_v2")
            async for page in paginator.paginate(Bucket=self._bucket, Prefix=s3_prefix):
                for item in page.get("Contents", []):
                    key = item["Key"][own_prefix_length:]
                    if _is_valid_key(key):
                        infos.append(
                            _info(
                                key,
                                size=item["Size"],
                                modified=item["LastModified"],
                                etag=item.get("ETag"),
                            )
                        )
        return sorted(infos, key=lambda info: info.key)

    async def copy(self, src: str, dst: str) -> ObjectInfo:
        """Copy `src` to `dst` server-side; NotFound if `src` does not exist."""
        src_key, dst_key = self._object_key(src), self._object_key(dst)
        async with self._client_factory() as client:
            try:
                await client.copy_object(
                    Bucket=self._bucket,
                    Key=dst_key,
                    CopySource={"Bucket": self._bucket, "Key": src_key},
                )
            except ClientError as exc:
                if _is_missing(exc):
                    raise NotFound("file", src) from None
                raise
            head = await client.head_object(Bucket=self._bucket, Key=dst_key)
        return _info(
            dst, size=head["ContentLength"], modified=head["LastModified"], etag=head.get("ETag")
        )

    async def md5(self, key: str) -> str:
        """MD5 hex of the content: the ETag when it is one, else read and hashed."""
        info = await self.stat(key)
        if info is None:
            raise NotFound("file", key)
        if info.etag is not None:
            return info.etag
        return hashlib.md5(await self.read(key), usedforsecurity=False).hexdigest()

    def _object_key(self, key: str) -> str:
        key = validate_key(key)
        return f"{self._prefix}/{key}" if self._prefix else key

    async def _head(self, client: Any, object_key: str) -> dict[str, Any] | None:
        try:
            return await client.head_object(Bucket=self._bucket, Key=object_key)
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise


def _info(key: str, *, size: int, modified: datetime, etag: str | None) -> ObjectInfo:
    match = _MD5_ETAG.fullmatch(etag or "")
    return ObjectInfo(
        key=key,
        size=size,
        modified=modified.astimezone(UTC),
        etag=match.group(1) if match else None,
    )


def _is_missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in _MISSING_CODES


def _is_valid_key(key: str) -> bool:
    try:
        validate_key(key)
    except InvalidName:
        return False
    return True
