"""A worker service written once: its settings, its handlers' resources, and running it.

A service is a name, its `WorkerSettings` (read with the service's env prefix) and an async
context manager that builds the resources its handlers need and yields the routes; the runner
connects, pulls until SIGINT/SIGTERM, stops the worker, then closes those resources.
"""

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import BaseSettings

from actormaker.common.bus import Bus, CancelHook, DeliveryPolicy, Handler, Worker
from actormaker.common.logs import configure_logging
from actormaker.common.probe import Probe
from actormaker.common.providers import PollPolicy
from actormaker.common.schemas import Command
from actormaker.common.settings import CommonSettings, prefixed_config
from actormaker.common.tracing import configure_tracing, shutdown_tracing

log = logging.getLogger(__name__)


class WorkerSettings(BaseSettings):
    """How a worker pulls and settles its commands; subclasses set the env prefix."""

    model_config = prefixed_config("WORKER_")

    concurrency: int = Field(default=4, ge=1, le=256)
    ack_wait_s: float = Field(default=30.0, gt=0)
    max_deliver: int = Field(default=5, ge=1)
    retry_backoff_s: tuple[float, ...] = (1.0, 5.0, 15.0, 60.0)
    fetch_timeout_s: float = Field(
        default=2.0, gt=0
    )  # one pull's wait; bounds how long a stop takes
    shutdown_grace_s: float = Field(default=10.0, ge=0)  # in-flight items' time to finish on stop

    def delivery_policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            ack_wait=self.ack_wait_s, max_deliver=self.max_deliver, backoff=self.retry_backoff_s
        )


class ProviderWorkerSettings(WorkerSettings):
    """A worker whose items wait on provider jobs: how it polls them, and how long it waits.

    Each service names its own overall wait (`IMG2IMG_JOB_TIMEOUT_S`, ...) in
    `provider_timeout_s`, the word its users know for the provider's unit of work.
    """

    poll_initial_s: float = Field(default=1.0, gt=0)
    poll_max_interval_s: float = Field(default=5.0, gt=0)
    not_found_grace_s: float = Field(default=10.0, ge=0)
    submit_grace_s: float = Field(default=20.0, ge=0)

    @property
    def provider_timeout_s(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} names its provider timeout")

    def poll_policy(self) -> PollPolicy:
        return PollPolicy(
            initial=self.poll_initial_s,
            max_interval=self.poll_max_interval_s,
            timeout=self.provider_timeout_s,
            not_found_grace=self.not_found_grace_s,
            submit_grace=self.submit_grace_s,
        )


@dataclass(frozen=True, kw_only=True)
class WorkerRoutes:
    """Which handler runs each command, and what to do when an item's job is cancelled."""

    handlers: Mapping[type[Command], Handler]
    on_cancelled: CancelHook | None = None


RoutesFactory = Callable[[Bus], AbstractAsyncContextManager[WorkerRoutes]]


@dataclass(frozen=True, kw_only=True)
class WorkerService:
    name: str
    settings: WorkerSettings
    routes: RoutesFactory


@contextlib.asynccontextmanager
async def running_worker(bus: Bus, service: WorkerService) -> AsyncIterator[Worker]:
    """The service's worker pulling on `bus` while the block runs; its resources closed after."""
    settings = service.settings
    async with service.routes(bus) as routes:
        worker = Worker(
            bus,
            service=service.name,
            handlers=routes.handlers,
            concurrency=settings.concurrency,
            policy=settings.delivery_policy(),
            fetch_timeout=settings.fetch_timeout_s,
            shutdown_grace=settings.shutdown_grace_s,
            on_cancelled=routes.on_cancelled,
        )
        await worker.start()
        try:
            yield worker
        finally:
            await worker.stop()


async def serve_worker(common: CommonSettings, service: WorkerService) -> None:
    """Run the service until the process is asked to stop."""
    configure_logging(level=common.log_level, fmt=common.log_format)
    configure_tracing(service.name)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    bus = await Bus.connect(common, name=service.name)
    try:
        async with running_worker(bus, service) as worker, probing(common, worker) as port:
            log.info(
                "worker started",
                extra={
                    "service": service.name,
                    "concurrency": worker.concurrency,
                    "metrics_port": port,
                },
            )
            await stop.wait()
            log.info("worker stopping", extra={"service": service.name})
    finally:
        await bus.close()
        shutdown_tracing()


@contextlib.asynccontextmanager
async def probing(common: CommonSettings, worker: Worker) -> AsyncIterator[int | None]:
    """The worker's health and metrics listener while the block runs, when METRICS_PORT is set."""
    if common.metrics_port is None:
        yield None
        return
    probe = Probe(
        healthy=lambda: worker.healthy,
        before_scrape=worker.report_backlog,
        host=common.metrics_host,
        port=common.metrics_port,
    )
    await probe.start()
    try:
        yield probe.port
    finally:
        await probe.stop()


def run_service(common: CommonSettings, service: WorkerService) -> None:
    """`python -m actormaker.<service>`: serve until SIGINT/SIGTERM."""
    asyncio.run(serve_worker(common, service))
