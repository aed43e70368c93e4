"""The actor screens (library filters, Local and S3-only badges, sync both ways) and the jobs
screens (a live list, a job's page, cancel) in a browser."""

import json
import re
import secrets

import httpx
from playwright.async_api import expect

from actormaker.common.actor_files import response_key
from actormaker.common.storage import LocalStorage
from tests.actors.helpers import legacy_response, png
from tests.faults.conftest import FaultStack
from tests.faults.journeys import generate, style_with_images

LONG = 30_000


async def actor_in_s3(stack: FaultStack, count: int) -> tuple[int, str, list[str]]:
    """An actor in the catalog with `count` training images in S3 only."""
    actor_id = secrets.randbelow(10**6)
    name = f"{actor_id:04d}_console_{secrets.token_hex(3)}"
    record = {"id": actor_id, "name": name, "sex": "female", "ethnicity": "nordic", "good": True}
    async with stack.client() as client:
        assert (await client.post("/api/actors/import", json=[record])).status_code == 200
    bucket, prefix = stack.common.s3sync_asset_bucket, stack.common.s3sync_asset_prefix
    files = [f"{name}_{i}.png" for i in range(count)]
    async with stack.s3() as s3:
        for index, filename in enumerate(files):
            await s3.put_object(Bucket=bucket, Key=f"{prefix}/{name}/{filename}", Body=png(index))
    urls = [f"https://{bucket}.s3.us-west-1.amazonaws.com/{prefix}/{name}/{f}" for f in files]
    storage = LocalStorage(stack.common.data_dir)
    await storage.write(response_key(name), json.dumps(legacy_response(urls)).encode())
    return actor_id, name, files


async def test_an_actor_is_found_by_filter_and_synced_both_ways(
    stack: FaultStack, walk_with
) -> None:
    _, name, files = await actor_in_s3(stack, 3)
    async with walk_with(stack) as walk:
        page = walk.page
        async with walk.step("the library filters to the actor"):
            await walk.open("#/actors")
            await page.get_by_label("Ethnicity").select_option("nordic")
            await page.get_by_label("good only").check()
            await page.get_by_label("Training data").select_option("no data")
            await expect(page.locator("li.card")).to_have_count(1)
            await page.get_by_role("link", name=name).click()
        async with walk.step("three images, S3 only"):
            await expect(page.locator("tr[data-file] .badge.warn")).to_have_count(3)
        async with walk.step("sync from S3 makes them local"):
            await page.get_by_role("button", name="Sync from S3").click()
            panel = page.locator(".job-panel").first
            await expect(panel).to_have_attribute("data-status", "succeeded", timeout=LONG)
            await expect(page.locator("tr[data-file] .badge.ok")).to_have_count(3)
        async with walk.step("a file gone from S3 goes back with sync to S3"):
            key = f"{stack.common.s3sync_asset_prefix}/{name}/{files[0]}"
            async with stack.s3() as s3:
                await s3.delete_object(Bucket=stack.common.s3sync_asset_bucket, Key=key)
            await page.get_by_label(f"select {files[0]}").check()
            await page.get_by_role("button", name="Sync to S3").click()
            await expect(page.locator(".job-panel")).to_have_count(2)  # newest first
            panel = page.locator(".job-panel").first
            await expect(panel).to_have_attribute("data-status", "succeeded", timeout=LONG)
            async with stack.s3() as s3:
                head = await s3.head_object(Bucket=stack.common.s3sync_asset_bucket, Key=key)
            assert head["ContentLength"] > 0
        async with walk.step("local copies removed, S3 kept"):
            await page.get_by_label(f"select {files[1]}").check()
            await page.get_by_role("button", name="Remove local copies").click()
            await expect(page.locator(f"tr[data-file='{files[1]}'] .badge.warn")).to_have_count(1)


async def test_a_job_is_seen_live_and_cancelled_from_its_page(stack: FaultStack, walk_with) -> None:
    await stack.emulate(latency_s=2.0, workers=1)
    style_id = await style_with_images(stack, 5)
    async with walk_with(stack) as walk:
        page = walk.page
        async with walk.step("the jobs list shows a job started elsewhere, live"):
            await walk.open("#/jobs")
            job_id = await generate(stack, style_id)
            row = page.locator(f"tr[data-job-id='{job_id}']")
            await expect(row).to_have_count(1, timeout=LONG)
            await expect(row.locator(".status")).to_have_text("running", timeout=LONG)
        async with walk.step("its page lists the items; cancel ends it"):
            await row.get_by_role("link").click()
            await expect(page.locator("tr[data-item-id]")).to_have_count(5)
            await page.get_by_role("button", name="Cancel job").click()
            await expect(page.locator(".summary")).to_contain_text(
                re.compile("cancelled|partial"), timeout=LONG
            )
            await expect(page.get_by_role("button", name="Cancel job")).to_be_disabled()
        async with walk.step("the cancelled items can be retried as a new job"):
            await page.get_by_role("button", name="Retry failed items").click()
            await expect(page).to_have_url(re.compile("#/jobs/(?!" + job_id + ")"), timeout=LONG)
    async with httpx.AsyncClient(base_url=stack.gateway_url) as client:
        original = (await client.get(f"/api/jobs/{job_id}")).json()["counts"]
        retried = (await client.get("/api/jobs", params={"limit": 5})).json()["data"][0]
    assert retried["id"] != job_id
    assert retried["counts"]["total"] == original["failed"] + original["cancelled"] > 0
