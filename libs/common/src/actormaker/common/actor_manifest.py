"""List an uploaded object in response.json, once, under a lock shared by every replica."""

from actormaker.common.actor_files import TrainingManifest, natural_order
from actormaker.common.assets import AssetBucket
from actormaker.common.errors import NotFound
from actormaker.common.locks import FileLocks
from actormaker.common.s3urls import InvalidS3Url, S3Location
from actormaker.common.storage import Storage


async def record_url(
    storage: Storage,
    locks: FileLocks,
    assets: AssetBucket,
    *,
    manifest_key: str,
    url: str,
    location: S3Location,
) -> bool:
    """Add `url` to the manifest unless it already lists the same object; True if it changed.

    Read, merge and write happen under the manifest's lock, so two uploads of one actor never
    lose each other's URL; a redelivered upload finds its URL listed and writes nothing.
    """
    async with locks.hold(manifest_key):
        manifest = await _read(storage, manifest_key)
        urls = manifest.urls
        if any(_same_object(assets, existing, location) for existing in urls):
            return False
        # Existing URLs keep their exact form (accelerate, legacy host...); only new ones are added.
        merged = sorted([*urls, url], key=lambda u: natural_order(assets.local_name(u)))
        await storage.write(
            manifest_key, manifest.with_urls(merged).to_bytes(), content_type="application/json"
        )
        return True


async def _read(storage: Storage, key: str) -> TrainingManifest:
    try:
        return TrainingManifest.parse(await storage.read(key), key=key)
    except NotFound:
        return TrainingManifest.empty()


def _same_object(assets: AssetBucket, url: str, location: S3Location) -> bool:
    try:
        found = assets.locate(url)
    except InvalidS3Url:
        return False
    return (found.bucket, found.key) == (location.bucket, location.key)
