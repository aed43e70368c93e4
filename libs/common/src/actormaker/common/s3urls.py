"""S3 locations: parse every URL form people paste, build URLs, and refuse foreign buckets.

The URL forms are those of EXTERNAL_APIS.md section 5.1. HTTP keys are percent-decoded with
`unquote` (never `unquote_plus`); `s3://` keys are taken as they are.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from actormaker.common.errors import InvalidInput

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")
_AWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidS3Url(InvalidInput):
    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url!r} is not a usable S3 location: {reason}")


class ForeignBucket(InvalidInput):
    def __init__(self, bucket: str, allowed: Iterable[str]) -> None:
        self.bucket = bucket
        self.allowed = tuple(sorted(allowed))
        names = ", ".join(self.allowed) or "none configured"
        super().__init__(f"bucket {bucket!r} is not on the allow-list ({names})")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str
    region: str | None = None

    def __post_init__(self) -> None:
        problem = _bucket_problem(self.bucket) or _key_problem(self.key)
        if problem:
            raise InvalidS3Url(f"s3://{self.bucket}/{self.key}", problem)

    @property
    def s3_uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def https_url(self, region: str | None = None) -> str:
        """The virtual-hosted https URL, regional when a region is known."""
        return format_s3_url(self.bucket, self.key, region=region or self.region)


def format_s3_url(
    bucket: str,
    key: str,
    *,
    region: str | None = None,
    style: Literal["virtual", "path"] = "virtual",
    endpoint: str | None = None,
) -> str:
    """Build an S3 URL; with `endpoint` (moto, MinIO, R2) it is always path-style."""
    quoted = quote(key, safe="/~")
    if endpoint is not None:
        return f"{endpoint.rstrip('/')}/{bucket}/{quoted}"
    domain = "amazonaws.com.cn" if region and region.startswith("cn-") else "amazonaws.com"
    service = f"s3.{region}.{domain}" if region else f"s3.{domain}"
    if style == "path":
        return f"https://{service}/{bucket}/{quoted}"
    return f"https://{bucket}.{service}/{quoted}"


def parse_s3_url(url: str, *, custom_endpoints: Sequence[str] = ()) -> S3Location:
    """Parse an s3:// URI or any AWS / configured-endpoint HTTP URL into a location."""
    if url.startswith("s3://"):
        bucket, _, key = url.removeprefix("s3://").partition("/")
        return _location(url, bucket, key, None)
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InvalidS3Url(url, "expected an s3:// URI or an http(s) URL")
    try:
        origin = _origin(url)
    except ValueError as error:
        raise InvalidS3Url(url, str(error)) from None
    if origin in {_origin(endpoint) for endpoint in custom_endpoints}:
        return _path_style(url, parts.path, None)
    host = parts.hostname.lower()
    if not host.endswith(_AWS_SUFFIXES):
        raise InvalidS3Url(
            url, f"host {parts.netloc} is neither AWS S3 nor a configured custom endpoint"
        )
    bucket, region = _parse_aws_host(url, host)
    if bucket is None:
        return _path_style(url, parts.path, region)
    return _location(url, bucket, unquote(parts.path.removeprefix("/")), region)


def plus_as_space_variant(key: str) -> str | None:
    """The key S3 means when a URL path's '+' stands for a space, or None without a '+'."""
    return key.replace("+", " ") if "+" in key else None


def validate_s3_key(key: str) -> str:
    """Return the key, or raise InvalidS3Url if it could escape or confuse a path."""
    problem = _key_problem(key)
    if problem:
        raise InvalidS3Url(key, problem)
    return key


class BucketAllowList:
    """The buckets s3sync may touch; everything else is refused before any request is made."""

    def __init__(self, buckets: Iterable[str]) -> None:
        self._buckets = frozenset(buckets)

    def check(self, location: S3Location) -> S3Location:
        """Return the location if its bucket is allowed, else raise ForeignBucket."""
        if location.bucket not in self._buckets:
            raise ForeignBucket(location.bucket, self._buckets)
        return location


def _location(url: str, bucket: str, key: str, region: str | None) -> S3Location:
    try:
        return S3Location(bucket, key, region)
    except InvalidS3Url as error:
        raise InvalidS3Url(url, error.reason) from None


def _path_style(url: str, path: str, region: str | None) -> S3Location:
    bucket, _, key = path.removeprefix("/").partition("/")
    return _location(url, unquote(bucket), unquote(key), region)


def _parse_aws_host(url: str, host: str) -> tuple[str | None, str | None]:
    """Split `[bucket.]s3[-x][.dualstack][.region].amazonaws.com[.cn]` into bucket and region.

    Bucket names may contain dots and even an "s3" label, so the endpoint starts at the last label
    that is "s3" or begins with "s3-".
    """
    labels = host.removesuffix(".cn").removesuffix(".amazonaws.com").split(".")
    starts = [i for i, label in enumerate(labels) if label == "s3" or label.startswith("s3-")]
    if not starts:
        raise InvalidS3Url(url, f"host {host} is an AWS host but not an S3 endpoint")
    first = starts[-1]
    regions = [_region_of_first_label(url, labels[first])]
    for label in labels[first + 1 :]:
        if label in ("dualstack", "accelerate", "fips"):
            continue
        if not _REGION.fullmatch(label):
            raise InvalidS3Url(url, f"host {host} has an unknown S3 endpoint label {label!r}")
        regions.append(label)
    found = [region for region in regions if region]
    if len(found) > 1:
        raise InvalidS3Url(url, f"host {host} names more than one region")
    return (".".join(labels[:first]) or None), (found[0] if found else None)


def _region_of_first_label(url: str, label: str) -> str | None:
    """The region in `s3`, `s3-accelerate`, `s3-fips`, `s3-website[-region]` or `s3-<region>`."""
    rest = label.removeprefix("s3").removeprefix("-")
    rest = rest.removeprefix("website").removeprefix("-")
    if rest in ("", "accelerate", "fips", "external-1"):
        return None
    if not _REGION.fullmatch(rest):
        raise InvalidS3Url(url, f"unknown S3 endpoint label {label!r}")
    return rest


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def _bucket_problem(bucket: str) -> str | None:
    if not bucket:
        return "no bucket name"
    if not _BUCKET_NAME.fullmatch(bucket) or ".." in bucket or _IP_ADDRESS.fullmatch(bucket):
        return (
            f"bucket name {bucket!r} breaks the S3 naming rules "
            "(3-63 lowercase letters, digits, dots or hyphens, not an IP address)"
        )
    return None


def _key_problem(key: str) -> str | None:
    """Why a key is refused; a single trailing '/' is allowed and marks a prefix."""
    if not key:
        return "no object key"
    if key.startswith("/"):
        return f"key {key!r} starts with '/'"
    if "\x00" in key or "\\" in key:
        return f"key {key!r} contains a NUL or a backslash"
    segments = key.removesuffix("/").split("/")
    if "" in segments:
        return f"key {key!r} has an empty path segment"
    if "." in segments or ".." in segments:
        return f"key {key!r} has a '.' or '..' segment"
    return None
