"""The fault suite: real processes, each fault injected mid-job, bounded in time.

Whatever fails, every job ends with each item succeeded or failed with a reason, outputs are
whole and made once, and every SSE client ends with the full event list exactly once.
"""

import asyncio
import hashlib
import io
import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from actormaker.common.actor_files import training_key
from actormaker.common.style_files import StyleFolder
from tests.faults.conftest import FaultStack
from tests.faults.journeys import (
    assert_events_exactly_once,
    assert_every_item_settled,
    finished_job,
    follow,
    generate,
    style_job,
    style_with_images,
    until,
)

pytestmark = pytest.mark.timeout(180)

IMAGES = 8
Start = Callable[..., Any]


@pytest.fixture
async def stack(make_fault_stack: Start) -> AsyncIterator[FaultStack]:
    async with make_fault_stack(concurrency=2) as running:
        await running.emulate(latency_s=0.6)
        yield running


def succeeded(followers: list[Any], at_least: int) -> Callable[[], bool]:
    return lambda: len(followers[0].of_type("item.succeeded")) >= at_least


async def training_images(stack: FaultStack, style_id: str) -> dict[str, bytes]:
    """The style's training images on disk, each of which must decode whole."""
    async with stack.client() as client:
        style = (await client.get(f"/api/styles/{style_id}")).json()
    folder = stack.common.data_dir / StyleFolder(style["folder"]).prefix
    images = {path.name: path.read_bytes() for path in folder.glob("*_training.jpg")}
    for data in images.values():
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # raises on a truncated file
    return images


async def generate_through(
    stack: FaultStack, fault: Callable[[], Any], *, clients: int = 1
) -> None:
    """Run a style job, inject `fault` once two images are done, and check the outcome."""
    style_id, job_id = await style_job(stack, IMAGES)
    followers, reading = follow(stack, job_id, clients)
    await until(succeeded(followers, 2))

    await fault()

    job = await finished_job(stack, job_id)
    await asyncio.wait_for(reading, 60)
    assert_every_item_settled(job)
    assert job["status"] == "succeeded", [i["error"] for i in job["items"]]
    assert len(await training_images(stack, style_id)) == IMAGES, "one whole image per base image"
    count = await assert_events_exactly_once(stack, job_id, followers)
    print(
        f"{len(followers)} SSE client(s), {count} events each, reconnects "
        f"{[f.reconnects for f in followers]}, RunPod {await stack.provider_stats()}"
    )


async def test_a_killed_img2img_worker_is_replaced_and_no_job_is_paid_twice(
    stack: FaultStack,
) -> None:
    async def kill_and_restart() -> None:
        # Mid-poll, not mid-submit: a job RunPod took but the ledger never heard of cannot be
        # told from one never sent, and is sent again (ADR 0006).
        await asyncio.sleep(0.3)
        await stack.kill("img2img")
        await asyncio.sleep(0.5)
        await stack.restart("img2img")

    await generate_through(stack, kill_and_restart)

    assert (await stack.provider_stats())["submitted"] == IMAGES


async def test_nats_restarting_mid_job_loses_and_repeats_nothing(stack: FaultStack) -> None:
    await generate_through(stack, stack.nats.restart)

    assert (await stack.provider_stats())["submitted"] == IMAGES


async def test_sse_clients_follow_through_a_gateway_restart(stack: FaultStack) -> None:
    async def kill_and_restart() -> None:
        await stack.kill("gateway")
        await asyncio.sleep(1.0)
        await stack.restart("gateway")

    await generate_through(stack, kill_and_restart, clients=3)


async def test_a_provider_outage_is_waited_out(stack: FaultStack) -> None:
    async def outage() -> None:
        await stack.runpod_proxy.down()
        await asyncio.sleep(3)
        await stack.runpod_proxy.up()

    await generate_through(stack, outage)


async def actor_in_s3(stack: FaultStack, files: int) -> tuple[int, list[str], dict[str, str]]:
    """An imported actor and `files` objects in S3 for it; their URLs and md5s by file name."""
    actor_id, name = 7, "0007_fault_actor"
    async with stack.client() as client:
        imported = await client.post("/api/actors/import", json=[{"id": actor_id, "name": name}])
        assert imported.status_code == 200, imported.text
    urls, digests = [], {}
    async with stack.s3() as s3:
        for index in range(files):
            filename = f"{name}_{index}.png"
            data = bytes([index]) * 50_000
            key = f"{stack.common.s3sync_asset_prefix}/{name}/{filename}"
            await s3.put_object(Bucket=stack.common.s3sync_asset_bucket, Key=key, Body=data)
            urls.append(f"s3://{stack.common.s3sync_asset_bucket}/{key}")
            digests[filename] = hashlib.md5(data).hexdigest()  # noqa: S324 - S3's ETag
    return actor_id, urls, digests


async def sync_through(stack: FaultStack, fault: Callable[[], Any]) -> dict[str, Any]:
    """Download an actor's files from S3, inject `fault` once five are done, check the outcome."""
    actor_id, urls, digests = await actor_in_s3(stack, files=30)
    stack.s3_proxy.latency_s = 0.1
    async with stack.client() as client:
        accepted = await client.post(
            f"/api/actors/{actor_id}/training-data/sync-from-s3",
            headers={"Prefer": "respond-async"},
            json={"s3_urls": urls},
        )
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    followers, reading = follow(stack, job_id)
    await until(succeeded(followers, 5))

    await fault()

    job = await finished_job(stack, job_id, within=90)
    await asyncio.wait_for(reading, 60)
    assert_every_item_settled(job)
    folder = stack.common.data_dir / training_key("0007_fault_actor", "x").rsplit("/", 1)[0]
    local = {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
    done = {item["key"] for item in job["items"] if item["status"] == "succeeded"}
    assert set(local) == done, "no partial or temporary file is left behind"
    for filename in done:
        assert hashlib.md5(local[filename]).hexdigest() == digests[filename]  # noqa: S324
    await assert_events_exactly_once(stack, job_id, followers)
    print(f"{stack.tally.sent} requests, 0 server errors")
    return job


async def test_a_killed_s3sync_worker_is_replaced_and_every_file_arrives_whole(
    stack: FaultStack,
) -> None:
    async def kill_and_restart() -> None:
        await stack.kill("s3sync")
        await asyncio.sleep(0.5)
        await stack.restart("s3sync")

    job = await sync_through(stack, kill_and_restart)

    assert job["status"] == "succeeded"


async def test_an_s3_outage_is_retried_through(stack: FaultStack) -> None:
    async def outage() -> None:
        await stack.s3_proxy.down()
        await asyncio.sleep(3)
        await stack.s3_proxy.up()

    job = await sync_through(stack, outage)

    assert job["status"] == "succeeded", [i["error"] for i in job["items"] if i["error"]]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> AsyncIterator[Path]:
    """A 4 MB file system for the data folder (needs the right to mount; skipped without it)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


async def space_one_image_takes(stack: FaultStack, disk: Path) -> int:
    """Bytes of the disk that generating one training image uses (image, caption, record)."""
    style_id = await style_with_images(stack, 1)
    before = shutil.disk_usage(disk).used
    job = await finished_job(stack, await generate(stack, style_id))
    assert job["status"] == "succeeded"
    return shutil.disk_usage(disk).used - before


async def test_a_full_disk_fails_items_with_the_reason_and_keeps_the_rest(
    make_fault_stack: Start, tiny_disk: Path
) -> None:
    async with make_fault_stack(data_dir=tiny_disk, concurrency=2, max_deliver=2) as stack:
        await stack.emulate(latency_s=0.3)
        one_image = await space_one_image_takes(stack, tiny_disk)
        style_id = await style_with_images(stack, IMAGES)
        filler = tiny_disk / "filler"
        room = int(2.5 * one_image)  # for two or three of the eight
        filler.write_bytes(b"\0" * max(shutil.disk_usage(tiny_disk).free - room, 0))
        job_id = await generate(stack, style_id)

        job = await finished_job(stack, job_id, within=120)

        assert_every_item_settled(job)
        failed = [item for item in job["items"] if item["status"] == "failed"]
        assert failed, "the disk was meant to fill up"
        assert all("No space left on device" in item["error"] for item in failed), failed
        made = await training_images(stack, style_id)
        # Base images are shared by every style: the job also made the measuring one.
        assert len(made) == len(job["items"]) - len(failed), "a failed save leaves nothing"

        filler.unlink()
        again = await generate(stack, style_id, select="missing")
        retried = await finished_job(stack, again)
        assert retried["status"] == "succeeded"
        assert len(await training_images(stack, style_id)) == len(job["items"])
        assert not stack.tally.server_errors, stack.tally.server_errors
        summary = {"items": len(job["items"]), "failed_when_full": len(failed)}
        print(json.dumps(summary | {"requests": stack.tally.sent, "server_errors": 0}))
