"""The local S3 keeps its objects across restarts: a fresh moto server gets back what the
last one held, deletions included, whatever the keys look like."""

import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from actormaker.common.s3client import S3ClientFactory, s3_client_factory
from actormaker.devstack.s3_server import S3Server
from actormaker.devstack.s3_snapshots import INDEX, S3Snapshots

KEYS = ["a/plain.png", "a/my file (1).png", "a/Zoë+Saldaña%.png", "deep/ly/nested/x.json"]


def clients_for(endpoint: str) -> S3ClientFactory:
    return s3_client_factory(
        endpoint_url=endpoint, region="us-east-1", access_key="k", secret_key="k"
    )


@pytest.fixture
async def moto() -> AsyncIterator[list[S3Server]]:
    """A moto server that a test can replace by a fresh (empty) one."""
    servers = [S3Server()]
    await servers[0].start()
    yield servers
    await servers[-1].stop()


async def fresh(moto: list[S3Server], bucket: str) -> S3Server:
    await moto[-1].stop()
    server = S3Server()
    await server.start()
    moto.append(server)
    async with clients_for(server.url)() as s3:
        await s3.create_bucket(Bucket=bucket)
    return server


def snapshots_of(server: S3Server, bucket: str, root: Path) -> S3Snapshots:
    return S3Snapshots(clients_for(server.url), [bucket], root, interval_s=0.05, log=print)


async def objects(server: S3Server, bucket: str) -> dict[str, tuple[bytes, str]]:
    async with clients_for(server.url)() as s3:
        listed = await s3.list_objects_v2(Bucket=bucket)
        found = {}
        for entry in listed.get("Contents", []):
            answer = await s3.get_object(Bucket=bucket, Key=entry["Key"])
            async with answer["Body"] as body:
                found[entry["Key"]] = (await body.read(), answer["ContentType"])
        return found


async def test_a_restarted_local_s3_has_every_object_back(
    moto: list[S3Server], tmp_path: Path
) -> None:
    bucket = f"snap-{secrets.token_hex(4)}"
    server = await fresh(moto, bucket)
    async with clients_for(server.url)() as s3:
        for i, key in enumerate(KEYS):
            await s3.put_object(
                Bucket=bucket, Key=key, Body=bytes([i]) * 1000, ContentType="image/png"
            )
    snapshots = snapshots_of(server, bucket, tmp_path)
    await snapshots.start()
    await snapshots.stop()
    held = await objects(server, bucket)

    server = await fresh(moto, bucket)
    restored = await snapshots_of(server, bucket, tmp_path).restore()

    assert restored == len(KEYS)
    assert await objects(server, bucket) == held


async def test_the_running_mirror_follows_changes_and_deletions(
    moto: list[S3Server], tmp_path: Path
) -> None:
    bucket = f"snap-{secrets.token_hex(4)}"
    server = await fresh(moto, bucket)
    snapshots = snapshots_of(server, bucket, tmp_path)
    await snapshots.start()
    async with clients_for(server.url)() as s3:
        for key in KEYS:
            await s3.put_object(Bucket=bucket, Key=key, Body=b"first")
        await snapshots.snapshot()
        await s3.put_object(Bucket=bucket, Key=KEYS[0], Body=b"second")
        await s3.delete_object(Bucket=bucket, Key=KEYS[1])
    await snapshots.stop()

    index = json.loads((tmp_path / bucket / INDEX).read_text())
    assert sorted(index) == sorted(KEYS[:1] + KEYS[2:])
    assert len(list((tmp_path / bucket / "objects").iterdir())) == len(KEYS) - 1
    server = await fresh(moto, bucket)
    await snapshots_of(server, bucket, tmp_path).restore()
    contents = {key: body for key, (body, _) in (await objects(server, bucket)).items()}
    assert contents == {KEYS[0]: b"second", KEYS[2]: b"first", KEYS[3]: b"first"}
