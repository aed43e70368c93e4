"""Run a worker service: connect, pull until SIGINT/SIGTERM, then shut down gracefully."""

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from actormaker.common.bus import Bus, Worker
from actormaker.common.logs import configure_logging
from actormaker.common.settings import CommonSettings

log = logging.getLogger(__name__)

WorkerFactory = Callable[[Bus], Awaitable[Worker]]


async def serve_worker(settings: CommonSettings, *, service: str, build: WorkerFactory) -> None:
    """Run the worker that `build` makes until the process is asked to stop."""
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    bus = await Bus.connect(settings, name=service)
    try:
        worker = await build(bus)
        await worker.start()
        log.info("worker started", extra={"service": service, "concurrency": worker.concurrency})
        await stop.wait()
        log.info("worker stopping", extra={"service": service})
        await worker.stop()
    finally:
        await bus.close()
