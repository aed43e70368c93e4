"""Checks on every command before it touches anything: the gateway checked first, and this
worker trusts no message it did not make."""

from actormaker.common.actor_files import RESPONSE_FILE, is_training_data_key
from actormaker.common.assets import AssetBucket
from actormaker.common.errors import InvalidName
from actormaker.common.s3urls import S3Location
from actormaker.common.storage import validate_key


def allowed_location(assets: AssetBucket, bucket: str, key: str) -> S3Location:
    """The location, if its bucket is on the allow-list and its key is safe."""
    return assets.check(S3Location(bucket, key))


def training_file_key(key: str) -> str:
    """The storage key, if it names a file directly inside an actor's training_data folder."""
    validate_key(key)
    if not is_training_data_key(key):
        raise InvalidName(key, "is not a file in data/actors/{actor}/training_data/")
    return key


def manifest_key_for(local_key: str, manifest_key: str) -> str:
    """The manifest key, if it is the response.json beside `local_key`."""
    expected = f"{local_key.rsplit('/', 1)[0]}/{RESPONSE_FILE}"
    if manifest_key != expected:
        raise InvalidName(manifest_key, f"is not the response.json beside {local_key}")
    return manifest_key
