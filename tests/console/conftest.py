"""The console in a real browser: Debian's Chromium driven by Playwright, against the stack of
real processes the fault tests use (a gateway that can be killed and restarted, the img2img and
s3sync workers, the RunPod emulator, moto's S3).

Every test saves a screenshot of where it ended under var/screenshots/; a failing step names
itself and saves the page as it was.
"""

import os
import re
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.faults.conftest import FaultStack, make_fault_stack  # noqa: F401 - a fixture

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("REQUIRE_BROWSER is set but there is no chromium: apt-get install chromium")
        pytest.skip("no chromium here (apt-get install chromium, or set CHROMIUM_PATH)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        await launched.close()


@dataclass
class Walk:
    """A test's walk through the console: named steps, each failing with its name and the page."""

    page: Page
    stack: FaultStack
    name: str
    errors: list[str]

    def open(self, fragment: str) -> Any:
        return self.page.goto(f"{self.stack.gateway_url}/{fragment}")

    @asynccontextmanager
    async def step(self, description: str) -> AsyncIterator[None]:
        try:
            yield
        except Exception as error:
            shot = await self.shoot(f"failed-{_slug(description)}")
            text = (await self.page.inner_text("body"))[:1500]
            raise AssertionError(
                f"step {description!r} failed: {error}\nscreenshot: {shot}\npage text:\n{text}"
            ) from error

    async def shoot(self, label: str = "end") -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{label}.png"
        await self.page.screenshot(path=path, full_page=True)
        return path


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


@pytest.fixture
def walk_with(browser: Browser, request: pytest.FixtureRequest) -> Callable[[FaultStack], Any]:
    """`async with walk_with(stack) as walk`: a fresh browser page on the stack's console."""

    @asynccontextmanager
    async def start(stack: FaultStack, **viewport: int) -> AsyncIterator[Walk]:
        size = {"width": 1280, "height": 800} | viewport
        context = await browser.new_context(viewport=size)  # type: ignore[arg-type]
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        walk = Walk(page, stack, request.node.name, errors)
        try:
            yield walk
            await walk.shoot()
            assert not errors, f"the page threw: {errors}"
        finally:
            await context.close()

    return start


@pytest.fixture
async def stack(make_fault_stack: Any) -> AsyncIterator[FaultStack]:  # noqa: F811
    async with make_fault_stack() as running:
        yield running
