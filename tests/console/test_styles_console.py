"""The style screens in a browser: the library, generate missing with live progress, abort,
an edit compared and accepted, and a job panel that lives through a gateway restart."""

import asyncio
import re

from playwright.async_api import expect

from tests.faults.conftest import FaultStack
from tests.faults.journeys import style_with_images

LONG = 30_000  # ms: a batch through the emulator on a busy 2-core machine


async def test_generate_missing_runs_with_live_progress_to_completion(
    stack: FaultStack, walk_with
) -> None:
    style_id = await style_with_images(stack, 3)
    async with walk_with(stack) as walk:
        page = walk.page
        async with walk.step("the library lists the style"):
            await walk.open("#/styles")
            library = page.get_by_role("list", name="Style library")
            await library.get_by_role("link").first.click()
            await expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{style_id}")
        async with walk.step("three base images, none made yet"):
            await expect(page.locator("tr[data-state=missing]")).to_have_count(3)
            button = page.get_by_role("button", name="Generate Missing (3)")
            await expect(button).to_be_enabled()
        async with walk.step("generate missing runs to completion"):
            await button.click()
            panel = page.locator(".job-panel").first
            await expect(panel.locator(".counts")).to_contain_text("3 / 3 done", timeout=LONG)
            await expect(panel).to_have_attribute("data-status", "succeeded", timeout=LONG)
        async with walk.step("every row shows its training image"):
            await expect(page.locator("tr[data-state=made]")).to_have_count(3)
            await expect(page.get_by_role("button", name="Generate Missing (0)")).to_be_disabled()
            thumbs = page.locator("tr[data-state=made] img[alt^='training image']")
            await expect(thumbs).to_have_count(3)
            assert all("max_side=" in (src or "") for src in await _sources(thumbs))


async def _sources(images) -> list[str | None]:
    return [await images.nth(i).get_attribute("src") for i in range(await images.count())]


async def test_abort_mid_batch_keeps_what_was_made_and_selects_the_rest(
    stack: FaultStack, walk_with
) -> None:
    await stack.emulate(latency_s=1.5, workers=1)
    style_id = await style_with_images(stack, 5)
    async with walk_with(stack) as walk:
        page = walk.page
        await walk.open(f"#/styles/{style_id}")
        async with walk.step("start the batch and abort after the first image"):
            await page.get_by_role("button", name="Generate Missing (5)").click()
            panel = page.locator(".job-panel").first
            await expect(panel.locator(".counts")).to_contain_text("1 succeeded", timeout=LONG)
            await panel.get_by_role("button", name="Abort").click()
        async with walk.step("the job ends cancelled, part of it made"):
            await expect(panel).to_have_attribute(
                "data-status", re.compile("cancelled|partial"), timeout=LONG
            )
            made = await page.locator("tr[data-state=made]").count()
            assert 1 <= made < 5
        async with walk.step("what was not made stays selected for a retry"):
            retry = page.get_by_role("button", name=f"Generate Selected ({5 - made})")
            await expect(retry).to_be_enabled()


async def test_an_edit_is_compared_then_accepted(stack: FaultStack, walk_with) -> None:
    style_id = await style_with_images(stack, 1)
    async with walk_with(stack) as walk:
        page = walk.page
        await walk.open(f"#/styles/{style_id}")
        async with walk.step("make the training image"):
            await page.get_by_role("button", name="Generate Missing (1)").click()
            await expect(page.locator("tr[data-state=made]")).to_have_count(1, timeout=LONG)
        async with walk.step("ask for a candidate with a new prompt"):
            page.once(
                "dialog", lambda dialog: asyncio.ensure_future(dialog.accept("a rainy street"))
            )
            await page.get_by_role("button", name=re.compile("^Edit ")).click()
            candidate = page.locator("figure.candidate")
            await expect(candidate).to_have_count(1, timeout=LONG)
            await expect(candidate.get_by_role("img")).to_have_count(2)
        async with walk.step("accept it: the candidate replaces the image, the old one is history"):
            await candidate.get_by_role("button", name="Accept").click()
            await expect(candidate).to_have_count(0, timeout=LONG)
            await page.get_by_role("button", name=re.compile("^History ")).click()
            await expect(page.get_by_role("button", name=re.compile("^Restore "))).to_have_count(1)


async def test_a_job_panel_follows_through_a_gateway_restart(stack: FaultStack, walk_with) -> None:
    await stack.emulate(latency_s=1.0, workers=1)
    style_id = await style_with_images(stack, 4)
    async with walk_with(stack) as walk:
        page = walk.page
        await walk.open(f"#/styles/{style_id}")
        async with walk.step("start the batch"):
            await page.get_by_role("button", name="Generate Missing (4)").click()
            panel = page.locator(".job-panel").first
            await expect(panel.locator(".counts")).to_contain_text("1 succeeded", timeout=LONG)
        async with walk.step("the gateway goes away and comes back"):
            await stack.kill("gateway")
            await expect(panel.locator(".live-state")).to_have_text("reconnecting", timeout=LONG)
            await stack.restart("gateway")
        async with walk.step("the panel counts every item once and ends with the job"):
            await expect(panel).to_have_attribute("data-status", "succeeded", timeout=LONG)
            await expect(panel.locator(".counts")).to_contain_text("4 / 4 done: 4 succeeded")
