"""Move one file between an S3 bucket and workspace storage, skipping copies that already match."""

import base64
import hashlib
import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal

import aiohttp
from botocore.exceptions import (
    ClientError,
    HTTPClientError,
    IncompleteReadError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from actormaker.common.errors import NotFound, PermanentError, TransientError
from actormaker.common.s3urls import S3Location, plus_as_space_variant
from actormaker.common.storage.interface import Storage

_PLAIN_MD5 = re.compile(r"[0-9a-f]{32}")
_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}
_RETRYABLE_CODES = {"RequestTimeout", "SlowDown", "Throttling", "ThrottlingException"}
_NETWORK_ERRORS = (BotoConnectionError, HTTPClientError, IncompleteReadError, aiohttp.ClientError)


class S3ObjectMissing(NotFound, PermanentError):
    """No object under the key: a 404 for the gateway, a failed item (no retry) for a worker."""

    def __init__(self, location: S3Location, *, also_tried: str | None = None) -> None:
        self.location = location
        tried = f" (also tried key {also_tried!r})" if also_tried else ""
        super().__init__("S3 object", f"{location.s3_uri}{tried}")


@dataclass(frozen=True)
class TransferResult:
    action: Literal["downloaded", "uploaded", "skipped"]
    bucket: str
    key: str
    local_key: str
    size: int
    etag: str | None
    reason: str


async def download(
    s3: Any, *, source: S3Location, storage: Storage, dest_key: str
) -> TransferResult:
    source, head = await _head_existing(s3, source)
    size, etag = head["ContentLength"], _etag(head)
    same, reason = await _compare_with_storage(storage, dest_key, size=size, etag=etag)
    if same:
        return _result("skipped", source, dest_key, size=size, etag=etag, reason=reason)
    data, etag = await _get(s3, source)
    await storage.write(dest_key, data, content_type=head.get("ContentType"))
    return _result("downloaded", source, dest_key, size=len(data), etag=etag, reason=reason)


async def read_object(s3: Any, location: S3Location) -> bytes:
    """An object's bytes (or its twin's, when S3 has the `+`-as-space variant of the key)."""
    source, _ = await _head_existing(s3, location)
    data, _ = await _get(s3, source)
    return data


async def upload(
    s3: Any,
    *,
    storage: Storage,
    source_key: str,
    dest: S3Location,
    content_type: str | None = None,
) -> TransferResult:
    data = await storage.read(source_key)
    digest = hashlib.md5(data, usedforsecurity=False)
    md5 = digest.hexdigest()
    same, reason = _compare_with_s3(await _head_or_none(s3, dest), size=len(data), md5=md5)
    if same:
        return _result("skipped", dest, source_key, size=len(data), etag=md5, reason=reason)
    with _s3_errors("upload", dest):
        response = await s3.put_object(
            Bucket=dest.bucket,
            Key=dest.key,
            Body=data,
            # S3 refuses the PUT if the bytes it received do not hash to this.
            ContentMD5=base64.b64encode(digest.digest()).decode("ascii"),
            ContentType=content_type or mimetypes.guess_type(dest.key)[0] or "binary/octet-stream",
        )
    uploaded_etag = _etag(response)
    return _result("uploaded", dest, source_key, size=len(data), etag=uploaded_etag, reason=reason)


async def _head_existing(s3: Any, source: S3Location) -> tuple[S3Location, dict[str, Any]]:
    """HEAD the object; a missing key with '+' is retried with spaces (S3's '+' quirk)."""
    try:
        return source, await _head(s3, source)
    except S3ObjectMissing:
        variant = plus_as_space_variant(source.key)
        if variant is None:
            raise
    spaced = replace(source, key=variant)
    try:
        return spaced, await _head(s3, spaced)
    except S3ObjectMissing:
        raise S3ObjectMissing(source, also_tried=variant) from None


async def _head_or_none(s3: Any, location: S3Location) -> dict[str, Any] | None:
    try:
        return await _head(s3, location)
    except S3ObjectMissing:
        return None


async def _head(s3: Any, location: S3Location) -> dict[str, Any]:
    with _s3_errors("look up", location):
        return await s3.head_object(Bucket=location.bucket, Key=location.key)


async def _get(s3: Any, location: S3Location) -> tuple[bytes, str | None]:
    with _s3_errors("download", location):
        response = await s3.get_object(Bucket=location.bucket, Key=location.key)
        async with response["Body"] as body:
            data = await body.read()
    if len(data) != response["ContentLength"]:
        raise TransientError(
            f"download of {location.s3_uri} stopped after {len(data)} of "
            f"{response['ContentLength']} bytes"
        )
    return data, _etag(response)


async def _compare_with_storage(
    storage: Storage, key: str, *, size: int, etag: str | None
) -> tuple[bool, str]:
    info = await storage.stat(key)
    if info is None:
        return False, "not in storage"
    if info.size != size:
        return False, f"size differs (storage {info.size}, S3 {size})"
    if etag is None or not _PLAIN_MD5.fullmatch(etag):
        return True, f"same size; ETag {etag!r} is not an MD5 (multipart), so only size compared"
    if (info.etag or await storage.md5(key)) != etag:
        return False, "same size but MD5 differs"
    return True, "same size and MD5"


def _compare_with_s3(head: dict[str, Any] | None, *, size: int, md5: str) -> tuple[bool, str]:
    if head is None:
        return False, "not in S3"
    if head["ContentLength"] != size:
        return False, f"size differs (storage {size}, S3 {head['ContentLength']})"
    if _etag(head) != md5:
        return False, "same size but ETag is not the storage MD5"
    return True, "same size and MD5"


def _etag(response: dict[str, Any]) -> str | None:
    etag = response.get("ETag")
    return etag.strip('"') if etag else None


def _result(
    action: Literal["downloaded", "uploaded", "skipped"],
    location: S3Location,
    local_key: str,
    *,
    size: int,
    etag: str | None,
    reason: str,
) -> TransferResult:
    return TransferResult(action, location.bucket, location.key, local_key, size, etag, reason)


@contextmanager
def _s3_errors(action: str, location: S3Location) -> Iterator[None]:
    """Turn botocore failures into outcomes that name the object."""
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        what = f"{action} {location.s3_uri} failed: {code or status}"
        if code in _NOT_FOUND_CODES:
            raise S3ObjectMissing(location) from error
        if code in _RETRYABLE_CODES or status in (408, 429) or status >= 500:
            raise TransientError(what) from error
        if 400 <= status < 500:
            raise PermanentError(f"{what} ({error})") from error
        raise
    except _NETWORK_ERRORS as error:
        raise TransientError(f"{action} {location.s3_uri} failed: {error}") from error
