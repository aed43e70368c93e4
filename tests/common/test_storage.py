import hashlib
import os
import uuid
from datetime import UTC
from pathlib import Path

import pytest

from actormaker.common.errors import InvalidName, NotFound
from actormaker.common.s3client import S3ClientFactory
from actormaker.common.storage import (
    LocalStorage,
    S3Storage,
    Storage,
    join_key,
    safe_name,
    validate_key,
    validate_name,
)

TRAVERSAL_KEYS = [
    "../x",
    "a/../../x",
    "/etc/passwd",
    "a\\b",
    "%2e%2e/x",
    "a%2fb",
    "a//b",
    "a/./b",
    ".hidden",
    "a/.hidden",
    "a\0b",
    "",
    "a/b/",
]
S3_PREFIX = "workspace/team-a"


@pytest.fixture(params=["local", "s3", "s3-prefixed"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "root")
    return S3Storage(
        bucket=request.getfixturevalue("s3_bucket"),
        client_factory=request.getfixturevalue("s3_clients"),
        prefix=S3_PREFIX if request.param == "s3-prefixed" else "",
    )


def random_bytes(size: int = 1000) -> bytes:
    return os.urandom(size)


async def test_write_then_read_round_trips(storage: Storage) -> None:
    key = "data/actors/0002_european_35_female/training_data/0002_european_35_female_3.png"
    data = random_bytes()

    info = await storage.write(key, data)

    assert await storage.read(key) == data
    assert info.key == key
    assert info.size == len(data)
    assert info.etag == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert info.modified.utcoffset() is not None
    assert info.modified.utcoffset().total_seconds() == 0


async def test_write_replaces_existing_object(storage: Storage) -> None:
    await storage.write("resources/input_images/a.jpg", b"first")
    await storage.write("resources/input_images/a.jpg", b"second version")

    assert await storage.read("resources/input_images/a.jpg") == b"second version"
    info = await storage.stat("resources/input_images/a.jpg")
    assert info is not None
    assert info.size == len(b"second version")


async def test_list_is_recursive_sorted_and_stops_at_segment_boundary(storage: Storage) -> None:
    for key in ["a/b/y/z.txt", "a/b/x.txt", "a/bc/x.txt", "a/b.txt", "other/x.txt"]:
        await storage.write(key, key.encode())

    under_b = [info.key for info in await storage.list("a/b")]
    everything = [info.key for info in await storage.list("")]

    assert under_b == ["a/b/x.txt", "a/b/y/z.txt"]
    assert [info.key for info in await storage.list("a/b/")] == under_b
    assert everything == ["a/b.txt", "a/b/x.txt", "a/b/y/z.txt", "a/bc/x.txt", "other/x.txt"]
    assert [info.size for info in await storage.list("other")] == [len(b"other/x.txt")]


async def test_list_of_missing_prefix_is_empty(storage: Storage) -> None:
    assert await storage.list("nothing/here") == []
    assert await storage.list("") == []


async def test_delete_removes_object_and_reports_whether_it_existed(storage: Storage) -> None:
    await storage.write("a/x.bin", b"x")

    assert await storage.delete("a/x.bin") is True
    assert await storage.delete("a/x.bin") is False
    assert await storage.exists("a/x.bin") is False
    assert await storage.list("a") == []


async def test_stat_and_exists_describe_objects(storage: Storage) -> None:
    assert await storage.stat("a/x.bin") is None
    assert await storage.exists("a/x.bin") is False

    written = await storage.write("a/x.bin", b"12345")
    info = await storage.stat("a/x.bin")

    assert await storage.exists("a/x.bin") is True
    assert info is not None
    assert (info.key, info.size) == ("a/x.bin", 5)
    assert info.modified.tzinfo is not None
    assert info.modified.astimezone(UTC) == info.modified
    assert abs((info.modified - written.modified).total_seconds()) < 2


async def test_a_folder_is_not_an_object(storage: Storage) -> None:
    await storage.write("a/b/x.bin", b"x")

    assert await storage.stat("a/b") is None
    assert await storage.exists("a") is False


async def test_copy_duplicates_content_and_keeps_source(storage: Storage) -> None:
    data = random_bytes()
    await storage.write("src/a.png", data)

    info = await storage.copy("src/a.png", "dst/deeper/b.png")

    assert await storage.read("dst/deeper/b.png") == data
    assert await storage.read("src/a.png") == data
    assert (info.key, info.size) == ("dst/deeper/b.png", len(data))


async def test_copy_of_missing_source_raises_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound) as raised:
        await storage.copy("src/missing.png", "dst/b.png")

    assert raised.value.name == "src/missing.png"
    assert await storage.exists("dst/b.png") is False


async def test_md5_equals_hashlib_md5(storage: Storage) -> None:
    data = random_bytes(300_000)
    await storage.write("a/big.bin", data)

    assert await storage.md5("a/big.bin") == hashlib.md5(data, usedforsecurity=False).hexdigest()
    with pytest.raises(NotFound):
        await storage.md5("a/missing.bin")


async def test_read_of_missing_key_raises_not_found(storage: Storage) -> None:
    with pytest.raises(NotFound) as raised:
        await storage.read("resources/input_images/missing.jpg")

    assert (raised.value.what, raised.value.name) == ("file", "resources/input_images/missing.jpg")


@pytest.mark.parametrize("key", TRAVERSAL_KEYS)
async def test_every_operation_rejects_unsafe_keys(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidName):
        await storage.read(key)
    with pytest.raises(InvalidName):
        await storage.write(key, b"x")
    with pytest.raises(InvalidName):
        await storage.stat(key)
    with pytest.raises(InvalidName):
        await storage.exists(key)
    with pytest.raises(InvalidName):
        await storage.delete(key)
    with pytest.raises(InvalidName):
        await storage.md5(key)
    with pytest.raises(InvalidName):
        await storage.copy(key, "a/x")
    with pytest.raises(InvalidName):
        await storage.copy("a/x", key)
    assert await storage.list("") == []


@pytest.mark.parametrize("prefix", ["../x", "/etc", "a//b", "%2e%2e"])
async def test_list_rejects_unsafe_prefixes(storage: Storage, prefix: str) -> None:
    with pytest.raises(InvalidName):
        await storage.list(prefix)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a/b", "must not contain '/'"),
        ("_a", "must start with a letter or digit"),
        (".env", "must start with a letter or digit"),
        ("a" * 201, "is too long (max 200)"),
        ("a..b", "must not contain '..'"),
        ("a b", "may only contain letters, digits, '.', '_' and '-' (found ' ')"),
        ("", "must not be empty"),
        ("é", "must start with a letter or digit"),
    ],
)
def test_validate_name_explains_what_is_wrong(name: str, reason: str) -> None:
    with pytest.raises(InvalidName) as raised:
        validate_name(name)

    assert raised.value.reason == reason
    assert raised.value.name == name


@pytest.mark.parametrize("name", ["a", "0002_european_35_female_3.png", "A-b.c_d", "a" * 200])
def test_validate_name_accepts_safe_names(name: str) -> None:
    assert validate_name(name) == name


def test_validate_key_names_the_bad_segment() -> None:
    with pytest.raises(InvalidName) as raised:
        validate_key("resources/bad name/a.jpg")

    assert raised.value.name == "resources/bad name/a.jpg"
    assert "'bad name'" in raised.value.reason


def test_join_key_builds_validated_keys() -> None:
    assert join_key("resources", "input_images", "a.jpg") == "resources/input_images/a.jpg"
    assert join_key("data/actors", "x", "base_image") == "data/actors/x/base_image"
    with pytest.raises(InvalidName):
        join_key("resources", "../secrets")
    with pytest.raises(InvalidName):
        join_key("resources", "")


def test_s3_storage_rejects_unsafe_prefix(s3_clients: S3ClientFactory) -> None:
    with pytest.raises(InvalidName):
        S3Storage(bucket="b", client_factory=s3_clients, prefix="../up")


async def test_s3_objects_live_under_the_prefix_with_content_types(
    s3_clients: S3ClientFactory, s3_bucket: str
) -> None:
    storage = S3Storage(bucket=s3_bucket, client_factory=s3_clients, prefix=S3_PREFIX)

    await storage.write("a/x.png", b"png")
    await storage.write("a/y.bin", b"bin", content_type="image/webp")

    async with s3_clients() as client:
        listed = await client.list_objects_v2(Bucket=s3_bucket)
        guessed = await client.head_object(Bucket=s3_bucket, Key=f"{S3_PREFIX}/a/x.png")
        given = await client.head_object(Bucket=s3_bucket, Key=f"{S3_PREFIX}/a/y.bin")
    assert [item["Key"] for item in listed["Contents"]] == [
        f"{S3_PREFIX}/a/x.png",
        f"{S3_PREFIX}/a/y.bin",
    ]
    assert guessed["ContentType"] == "image/png"
    assert given["ContentType"] == "image/webp"


async def test_s3_list_skips_objects_whose_names_are_not_valid_keys(
    s3_clients: S3ClientFactory, s3_bucket: str
) -> None:
    storage = S3Storage(bucket=s3_bucket, client_factory=s3_clients)
    async with s3_clients() as client:
        await client.put_object(Bucket=s3_bucket, Key="a/bad name.png", Body=b"x")
        await client.put_object(Bucket=s3_bucket, Key="a/good.png", Body=b"x")

    assert [info.key for info in await storage.list("a")] == ["a/good.png"]


async def test_local_storage_refuses_symlinks_that_leave_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "evil.txt").symlink_to(outside / "secret.txt")
    (root / "fine.txt").write_text("fine")
    storage = LocalStorage(root)

    for key in ["link/secret.txt", "evil.txt"]:
        with pytest.raises(InvalidName, match="outside the storage root"):
            await storage.read(key)
    with pytest.raises(InvalidName):
        await storage.write("link/new.txt", b"x")
    with pytest.raises(InvalidName):
        await storage.delete("evil.txt")
    with pytest.raises(InvalidName):
        await storage.list("link")
    assert [info.key for info in await storage.list("")] == ["fine.txt"]
    assert sorted(path.name for path in outside.iterdir()) == ["secret.txt"]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
async def test_local_failed_write_leaves_no_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    storage = LocalStorage(tmp_path)
    await storage.write("a/kept.png", b"old")

    def fail(*args: object) -> None:
        raise OSError("disk went away")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="disk went away"):
        await storage.write("a/new.png", b"new")
    with pytest.raises(OSError, match="disk went away"):
        await storage.write("a/kept.png", b"replacement")
    monkeypatch.undo()

    assert not (tmp_path / "a" / "new.png").exists()
    assert await storage.read("a/kept.png") == b"old"
    assert sorted(path.name for path in (tmp_path / "a").iterdir()) == ["kept.png"]
    assert [info.key for info in await storage.list("")] == ["a/kept.png"]


async def test_local_list_never_shows_temp_files_left_by_a_crash(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    await storage.write("a/real.png", b"x")
    (tmp_path / "a" / f".tmp-{uuid.uuid4().hex}").write_bytes(b"half")
    (tmp_path / ".tmp-dir").mkdir()
    (tmp_path / ".tmp-dir" / "x.png").write_bytes(b"x")

    assert [info.key for info in await storage.list("")] == ["a/real.png"]
    assert [info.key for info in await storage.list("a")] == ["a/real.png"]


async def test_local_write_creates_parent_folders_and_readable_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "new-root")

    await storage.write("resources/style_images/1_noir/x_training.jpg", b"jpg")

    written = tmp_path / "new-root" / "resources" / "style_images" / "1_noir" / "x_training.jpg"
    assert written.read_bytes() == b"jpg"
    assert written.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    ("original", "expected_start"),
    [
        ("my file (1).png", "my_file_1_"),
        ("a+b%20c.JPG", "a_b_20c_"),
        ("Zoë Saldaña.png", "Zoe_Saldana_"),
        ("日本.png", "file_"),
        (".hidden", "hidden_"),
        ("x" * 300 + " .png", "x" * 100),
    ],
)
def test_safe_name_makes_a_valid_readable_name_of_any_s3_file_name(
    original: str, expected_start: str
) -> None:
    local = safe_name(original)

    assert validate_name(local) == local
    assert local.startswith(expected_start)
    suffix = original.rpartition(".")[2]
    assert local.endswith(f".{suffix}") or original.startswith(".")


def test_safe_name_keeps_safe_names_and_never_maps_two_names_to_one() -> None:
    assert safe_name("0002_european_35_female_3.png") == "0002_european_35_female_3.png"
    lookalikes = ["a b.png", "a+b.png", "a%b.png", "a(b.png", "a_b_.png", "á b.png"]
    assert len({safe_name(name) for name in lookalikes}) == len(lookalikes)
    for unusable in ("", "a/b"):
        with pytest.raises(InvalidName):
            safe_name(unusable)
