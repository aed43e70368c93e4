import hashlib
import secrets
import socket
from typing import Any

import aioboto3
import pytest
from botocore.config import Config

from actormaker.common.errors import NotFound, PermanentError, TransientError
from actormaker.common.s3transfer import S3ObjectMissing, download, upload
from actormaker.common.s3urls import S3Location, parse_s3_url
from actormaker.common.storage.local import LocalStorage

DEST = "data/actors/0002_european_35_female/training_data/0002_european_35_female_0.png"


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


async def _put(s3: Any, location: S3Location, data: bytes) -> None:
    await s3.put_object(Bucket=location.bucket, Key=location.key, Body=data)


@pytest.fixture
def source(bucket: str) -> S3Location:
    return S3Location(bucket, "system_actors/training_data/0002/0002_european_35_female_0.png")


async def test_second_download_of_an_unchanged_object_is_skipped(
    s3: Any, source: S3Location, storage: LocalStorage
) -> None:
    data = secrets.token_bytes(300_000)
    await _put(s3, source, data)

    first = await download(s3, source=source, storage=storage, dest_key=DEST)
    second = await download(s3, source=source, storage=storage, dest_key=DEST)

    assert (first.action, first.size, first.etag) == ("downloaded", len(data), _md5(data))
    assert (second.action, second.reason) == ("skipped", "same size and MD5")
    assert _md5(await storage.read(DEST)) == _md5(data)


async def test_download_replaces_the_file_whole_and_leaves_no_temp_file(
    s3: Any, source: S3Location, storage: LocalStorage
) -> None:
    await storage.write(DEST, b"old content")
    old_inode = (storage.root / DEST).stat().st_ino
    data = secrets.token_bytes(200_000)
    await _put(s3, source, data)

    await download(s3, source=source, storage=storage, dest_key=DEST)

    # A new inode means the complete file was renamed into place, not written over the old one.
    assert (storage.root / DEST).stat().st_ino != old_inode
    assert (storage.root / DEST).read_bytes() == data
    assert [p.name for p in (storage.root / DEST).parent.iterdir()] == [DEST.rsplit("/", 1)[1]]


@pytest.mark.parametrize("change", ["same size", "longer"])
async def test_changed_object_is_downloaded_again(
    s3: Any, source: S3Location, storage: LocalStorage, change: str
) -> None:
    await _put(s3, source, b"a" * 1000)
    await download(s3, source=source, storage=storage, dest_key=DEST)
    changed = b"b" * 1000 if change == "same size" else b"a" * 1001
    await _put(s3, source, changed)

    result = await download(s3, source=source, storage=storage, dest_key=DEST)

    assert result.action == "downloaded"
    assert result.reason in {"same size but MD5 differs", "size differs (storage 1000, S3 1001)"}
    assert await storage.read(DEST) == changed


async def test_multipart_object_of_same_size_is_skipped_on_size_alone(
    s3: Any, source: S3Location, storage: LocalStorage
) -> None:
    data = secrets.token_bytes(50_000)
    upload_id = (await s3.create_multipart_upload(Bucket=source.bucket, Key=source.key))["UploadId"]
    part = await s3.upload_part(
        Bucket=source.bucket, Key=source.key, UploadId=upload_id, PartNumber=1, Body=data
    )
    await s3.complete_multipart_upload(
        Bucket=source.bucket,
        Key=source.key,
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    await download(s3, source=source, storage=storage, dest_key=DEST)

    again = await download(s3, source=source, storage=storage, dest_key=DEST)

    assert again.action == "skipped"
    assert again.etag is not None
    assert again.etag.endswith("-1")
    assert "multipart" in again.reason
    assert await storage.read(DEST) == data


async def test_missing_key_raises_an_error_naming_bucket_and_key(
    s3: Any, bucket: str, storage: LocalStorage
) -> None:
    source = S3Location(bucket, "system_actors/nobody_0.png")

    with pytest.raises(S3ObjectMissing) as caught:
        await download(s3, source=source, storage=storage, dest_key=DEST)

    assert f"s3://{bucket}/system_actors/nobody_0.png" in str(caught.value)
    assert isinstance(caught.value, NotFound)
    assert isinstance(caught.value, PermanentError)
    assert await storage.stat(DEST) is None


async def test_plus_in_a_pasted_url_falls_back_to_a_space(
    s3: Any, bucket: str, storage: LocalStorage
) -> None:
    await _put(s3, S3Location(bucket, "actors/my file.png"), b"spaced")
    pasted = parse_s3_url(f"https://{bucket}.s3.us-east-1.amazonaws.com/actors/my+file.png")

    result = await download(s3, source=pasted, storage=storage, dest_key=DEST)

    assert (result.action, result.key) == ("downloaded", "actors/my file.png")
    assert await storage.read(DEST) == b"spaced"


async def test_literal_plus_key_is_used_before_the_space_fallback(
    s3: Any, bucket: str, storage: LocalStorage
) -> None:
    await _put(s3, S3Location(bucket, "actors/a+b.png"), b"plus")
    await _put(s3, S3Location(bucket, "actors/a b.png"), b"space")

    result = await download(
        s3, source=S3Location(bucket, "actors/a+b.png"), storage=storage, dest_key=DEST
    )

    assert result.key == "actors/a+b.png"
    assert await storage.read(DEST) == b"plus"


async def test_missing_plus_key_error_names_both_keys_tried(
    s3: Any, bucket: str, storage: LocalStorage
) -> None:
    with pytest.raises(S3ObjectMissing, match=r"actors/x\+y\.png.*'actors/x y\.png'"):
        await download(
            s3, source=S3Location(bucket, "actors/x+y.png"), storage=storage, dest_key=DEST
        )


async def test_upload_puts_a_new_file_then_skips_it_until_it_changes(
    s3: Any, bucket: str, storage: LocalStorage
) -> None:
    dest = S3Location(bucket, "system_actors/training_data/0002/0002_0.png")
    data = secrets.token_bytes(100_000)
    await storage.write(DEST, data)

    first = await upload(s3, storage=storage, source_key=DEST, dest=dest)
    second = await upload(s3, storage=storage, source_key=DEST, dest=dest)
    await storage.write(DEST, data[::-1])
    third = await upload(s3, storage=storage, source_key=DEST, dest=dest)

    assert (first.action, first.etag, first.reason) == ("uploaded", _md5(data), "not in S3")
    assert (second.action, second.reason) == ("skipped", "same size and MD5")
    assert (third.action, third.etag) == ("uploaded", _md5(data[::-1]))
    stored = await s3.get_object(Bucket=bucket, Key=dest.key)
    async with stored["Body"] as body:
        assert await body.read() == data[::-1]
    assert stored["ContentType"] == "image/png"


async def test_upload_to_a_missing_bucket_is_a_permanent_error(
    s3: Any, storage: LocalStorage
) -> None:
    await storage.write(DEST, b"image")
    dest = S3Location(f"missing-{secrets.token_hex(6)}", "a.png")

    with pytest.raises(PermanentError, match=rf"upload s3://{dest.bucket}/a\.png failed"):
        await upload(s3, storage=storage, source_key=DEST, dest=dest)


async def test_unreachable_endpoint_is_a_transient_error_naming_the_file(
    storage: LocalStorage,
) -> None:
    source = S3Location("story-boards-assets", "system_actors/a.png")
    # A bound socket that never listens: connections to it are refused at once.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        session = aioboto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
        async with session.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
        ) as unreachable:
            with pytest.raises(TransientError, match=f"look up {source.s3_uri} failed"):
                await download(unreachable, source=source, storage=storage, dest_key=DEST)
