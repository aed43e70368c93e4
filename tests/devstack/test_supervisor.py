"""The local stack's supervisor: a worker process that dies is logged and started again."""

import asyncio
import sys

from actormaker.devstack.processes import ManagedProcess
from actormaker.devstack.supervisor import Supervised

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]


async def restarted(supervised: Supervised, count: int) -> None:
    async with asyncio.timeout(10):
        while supervised.restarts < count or not supervised.process.running:  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_a_killed_worker_is_logged_and_started_again() -> None:
    lines: list[str] = []
    process = ManagedProcess("sleeper", SLEEPER, sink=lines.append, ready_line="up")
    supervised = Supervised(process, delay=0.1, log=lines.append)
    await supervised.start()
    first_pid = process.pid
    try:
        await process.kill()
        await restarted(supervised, 1)
        await process.kill()
        await restarted(supervised, 2)
    finally:
        await supervised.stop()

    assert process.pid != first_pid
    assert any(
        line.startswith("sleeper exited with code -9; restarting in 0.1 s") for line in lines
    )
    assert sum("sleeper restarted" in line for line in lines) == 2
    assert not process.running


async def test_a_stopped_worker_stays_stopped() -> None:
    lines: list[str] = []
    supervised = Supervised(
        ManagedProcess("sleeper", SLEEPER, sink=lines.append, ready_line="up"),
        delay=0.05,
        log=lines.append,
    )
    await supervised.start()

    await supervised.stop()
    await asyncio.sleep(0.2)

    assert not supervised.process.running
    assert supervised.restarts == 0
    assert await asyncio.wait_for(supervised.wait(), 1) == 0
