"""The team's asset bucket: which buckets s3sync may touch, and where training data lives in it.

The gateway uses this to refuse a URL before it queues anything; the s3sync worker uses the same
rules again on every command it receives.
"""

from dataclasses import dataclass
from typing import Self
from urllib.parse import unquote, urlsplit

from actormaker.common.errors import InvalidName
from actormaker.common.s3urls import (
    BucketAllowList,
    ForeignBucket,
    InvalidS3Url,
    S3Location,
    format_s3_url,
    parse_s3_url,
)
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import join_key, safe_name, validate_prefix


@dataclass(frozen=True)
class AssetBucket:
    bucket: str
    prefix: str
    allowed: frozenset[str]
    endpoint: str | None
    region: str | None

    @classmethod
    def from_settings(cls, settings: CommonSettings) -> Self:
        """The asset bucket, the allow-list (which always holds it) and the URL form to write."""
        return cls(
            bucket=settings.s3sync_asset_bucket,
            prefix=validate_prefix(settings.s3sync_asset_prefix),
            allowed=frozenset([settings.s3sync_asset_bucket, *settings.s3sync_allowed_buckets]),
            endpoint=settings.s3_endpoint_url,
            region=settings.aws_region,
        )

    def parse(self, url: str) -> S3Location:
        """Parse any S3 URL form, or raise InvalidS3Url naming the URL and why it is refused."""
        location = self.locate(url)
        try:
            return BucketAllowList(self.allowed).check(location)
        except ForeignBucket as error:
            raise InvalidS3Url(url, str(error)) from None

    def locate(self, url: str) -> S3Location:
        """Parse any S3 URL form (the configured endpoint included) without the allow-list."""
        return parse_s3_url(url, custom_endpoints=[self.endpoint] if self.endpoint else [])

    def check(self, location: S3Location) -> S3Location:
        """Return the location if its bucket is allowed, else raise ForeignBucket."""
        return BucketAllowList(self.allowed).check(location)

    def training_location(self, actor: str, filename: str) -> S3Location:
        """Where an actor's training file goes: `{prefix}/{actor}/{filename}` in the bucket."""
        return S3Location(self.bucket, join_key(*filter(None, [self.prefix, actor, filename])))

    def url(self, location: S3Location) -> str:
        """The URL written into response.json: path-style on a custom endpoint, else regional."""
        return format_s3_url(
            location.bucket, location.key, region=self.region, endpoint=self.endpoint
        )

    def local_name(self, url: str) -> str:
        """The local file name of a URL's object (also for a URL this bucket would refuse).

        '' for a URL that names no file: it matches no local file and sorts first.
        """
        try:
            key = self.locate(url).key
        except InvalidS3Url:
            key = unquote(urlsplit(url).path)
        try:
            return local_name_of(key)
        except InvalidName:
            return ""


def local_name_of(key: str) -> str:
    """The local file name for an S3 key: its last segment, made safe (see `safe_name`)."""
    return safe_name(key.rsplit("/", 1)[-1])
