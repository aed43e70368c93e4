"""The worker runtime: pull commands, run their handlers, settle each message by its outcome.

success                      → item.succeeded, ack
PermanentError / InvalidInput / NotFound → item.failed, term
WorkCancelled (or the job's cancel flag)  → on_cancelled hook, item.cancelled, ack
TransientError / anything unexpected     → item.retrying, nak after a backoff delay;
                                           on the last delivery → item.failed, term
shutdown while running       → nak at once, so another replica picks the item up
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel, ValidationError

from actormaker.common.bus.client import Bus, BusUnavailable
from actormaker.common.bus.consumer import (
    PullSubscription,
    bind_durable,
    fetch_batch,
    report_backlog,
)
from actormaker.common.bus.context import ItemContext
from actormaker.common.errors import (
    InvalidInput,
    NotFound,
    PermanentError,
    TransientError,
    WorkCancelled,
)
from actormaker.common.log_context import REQUEST_ID_HEADER, bound
from actormaker.common.metrics import REDELIVERIES, WORKER_ITEM_SECONDS, WORKER_ITEMS
from actormaker.common.schemas import Command, CommandAddress, EventType
from actormaker.common.subjects import COMMANDS_STREAM, service_commands
from actormaker.common.tracing import incoming_context, tracer

log = logging.getLogger(__name__)

Handler = Callable[[Any, ItemContext], Awaitable[BaseModel | None]]
CancelHook = Callable[[ItemContext], Awaitable[None]]
Outcome = Literal["succeeded", "failed", "cancelled", "retrying"]

_FAILS_AT_ONCE = (PermanentError, InvalidInput, NotFound)


@dataclass(frozen=True, kw_only=True)
class DeliveryPolicy:
    """How long a delivery may run unacknowledged, and how often and when it is retried."""

    ack_wait: float = 30.0
    max_deliver: int = 5
    backoff: tuple[float, ...] = (1.0, 5.0, 15.0, 60.0)

    def retry_delay(self, attempt: int) -> float:
        """The delay before delivery `attempt + 1`."""
        return self.backoff[min(attempt, len(self.backoff)) - 1]

    @property
    def heartbeat_interval(self) -> float:
        return self.ack_wait / 3


class Worker:
    """Runs one service's handlers on its durable consumer, `concurrency` items at a time."""

    def __init__(
        self,
        bus: Bus,
        *,
        service: str,
        handlers: Mapping[type[Command], Handler],
        concurrency: int = 4,
        policy: DeliveryPolicy | None = None,
        fetch_timeout: float = 2.0,
        shutdown_grace: float = 10.0,
        on_cancelled: CancelHook | None = None,
    ) -> None:
        self.bus = bus
        self.service = service
        self.concurrency = concurrency
        self.policy = policy or DeliveryPolicy()
        self._routes = {command.subject(): (command, h) for command, h in handlers.items()}
        self._fetch_timeout = fetch_timeout
        self._shutdown_grace = shutdown_grace
        self._on_cancelled = on_cancelled
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._last_pull = 0.0

    async def start(self) -> None:
        """Create or update the durable consumer and start pulling."""
        subscription = await self._subscribe()
        self._loop_task = asyncio.create_task(self._pull(subscription), name=f"{self.service}-pull")

    async def stop(self) -> None:
        """Stop pulling, let in-flight items finish (or release them), then unsubscribe."""
        self._stopping.set()
        if self._loop_task is not None:
            await self._loop_task

    @property
    def healthy(self) -> bool:
        """Connected to NATS and consuming: pulling lately, or busy with a full load."""
        if self._loop_task is None or self._loop_task.done() or self._stopping.is_set():
            return False
        if not self.bus.nc.is_connected:
            return False
        busy = len(self._in_flight) >= self.concurrency
        recently = time.monotonic() - self._last_pull < 3 * self._fetch_timeout + 5
        return busy or recently

    async def report_backlog(self) -> None:
        """Set the consumer gauges from the server's view of this service's consumer."""
        await report_backlog(self.bus.js, COMMANDS_STREAM, self.service)

    async def _subscribe(self) -> PullSubscription:
        config = ConsumerConfig(
            name=self.service,
            durable_name=self.service,
            filter_subject=service_commands(self.service),
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.policy.ack_wait,
            max_deliver=self.policy.max_deliver,
            max_ack_pending=1000,
        )
        return await bind_durable(self.bus.js, COMMANDS_STREAM, config)

    async def _pull(self, subscription: PullSubscription) -> None:
        try:
            while not self._stopping.is_set():
                if len(self._in_flight) >= self.concurrency:
                    await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                # One at a time: a larger pull request can leave messages delivered to this
                # replica after fetch() returns, which would then wait here unheartbeated.
                messages = await fetch_batch(subscription, 1, self._fetch_timeout)
                self._last_pull = time.monotonic()
                for msg in messages:
                    task = asyncio.create_task(self._process(msg))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
        finally:
            await self._drain_in_flight()
            with contextlib.suppress(nats.errors.Error):
                await subscription.unsubscribe()

    async def _drain_in_flight(self) -> None:
        if not self._in_flight:
            return
        _, pending = await asyncio.wait(self._in_flight, timeout=self._shutdown_grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _process(self, msg: Msg) -> None:
        headers = msg.headers or {}
        span = tracer.start_as_current_span(
            f"process {msg.subject}", context=incoming_context(headers), kind=SpanKind.CONSUMER
        )
        with bound(request_id=headers.get(REQUEST_ID_HEADER)), span:
            try:
                try:
                    command, handler = self._parse(msg)
                except PermanentError as error:
                    await self._reject(msg, str(error))
                    return
                ctx = ItemContext(
                    self.bus,
                    command,
                    attempt=msg.metadata.num_delivered,
                    max_attempts=self.policy.max_deliver,
                )
                with bound(job_id=str(ctx.job_id), item=ctx.item_key):
                    await self._run(msg, handler, command, ctx)
            except BusUnavailable:
                # Leave the message unacknowledged: it is redelivered once ack_wait runs out.
                log.exception("could not report an outcome", extra={"subject": msg.subject})

    def _parse(self, msg: Msg) -> tuple[Command, Handler]:
        route = self._routes.get(msg.subject)
        if route is None:
            raise PermanentError(f"{self.service} has no handler for {msg.subject}")
        command_type, handler = route
        try:
            return command_type.from_bytes(msg.data), handler
        except ValidationError as error:
            raise PermanentError(str(error)) from error

    async def _reject(self, msg: Msg, reason: str) -> None:
        log.error("unusable command", extra={"subject": msg.subject, "reason": reason})
        try:
            header = CommandAddress.model_validate_json(msg.data)
        except ValidationError:
            await msg.term()
            return
        ctx = ItemContext(self.bus, header, attempt=1, max_attempts=1)
        await ctx.emit(EventType.ITEM_FAILED, message=f"unusable command: {reason}")
        await msg.term()

    async def _run(self, msg: Msg, handler: Handler, command: Command, ctx: ItemContext) -> None:
        if ctx.attempt > 1:
            REDELIVERIES.labels(self.service).inc()
        trace.get_current_span().set_attributes(
            {"job.id": str(ctx.job_id), "item.key": ctx.item_key, "attempt": ctx.attempt}
        )
        started = time.monotonic()
        outcome = await self._settle(msg, handler, command, ctx)
        if outcome == "failed":
            trace.get_current_span().set_status(StatusCode.ERROR)
        seconds = time.monotonic() - started
        labels = (self.service, type(command).__name__, outcome)
        WORKER_ITEMS.labels(*labels).inc()
        WORKER_ITEM_SECONDS.labels(*labels).observe(seconds)
        log.info(
            "item settled",
            extra={"outcome": outcome, "attempt": ctx.attempt, "duration_ms": round(seconds * 1e3)},
        )

    async def _settle(
        self, msg: Msg, handler: Handler, command: Command, ctx: ItemContext
    ) -> Outcome:
        """Run the handler and settle the message; say how the delivery ended."""
        try:
            await ctx.raise_if_cancelled()
            await ctx.emit(EventType.ITEM_STARTED)
            async with self._heartbeat(msg):
                result = await handler(command, ctx)
        except WorkCancelled as outcome:
            if self._on_cancelled is not None:
                await self._on_cancelled(ctx)
            await ctx.emit(EventType.ITEM_CANCELLED, message=str(outcome))
            await msg.ack()
            return "cancelled"
        except _FAILS_AT_ONCE as error:
            await ctx.emit(EventType.ITEM_FAILED, message=str(error))
            await msg.term()
            return "failed"
        except TransientError as error:
            return await self._retry_later(msg, ctx, str(error), error.delay)
        except asyncio.CancelledError:
            await msg.nak()
            raise
        except (nats.errors.Error, nats.js.errors.Error) as error:
            # NATS went away mid-item (a restart, a network blip): expected, and worth a retry.
            log.warning(
                "NATS unavailable mid-item; retrying",
                extra={"error": repr(error)},
            )
            return await self._retry_later(msg, ctx, f"NATS unavailable: {error!r}", None)
        except Exception as error:
            log.exception("handler crashed")
            reason = f"unexpected {type(error).__name__}: {error}"
            return await self._retry_later(msg, ctx, reason, None)
        output = result.model_dump(mode="json") if result is not None else None
        await ctx.emit(EventType.ITEM_SUCCEEDED, output=output)
        await msg.ack()
        return "succeeded"

    async def _retry_later(
        self, msg: Msg, ctx: ItemContext, reason: str, delay: float | None
    ) -> Outcome:
        if ctx.last_attempt:
            message = f"gave up after {ctx.attempt} attempts: {reason}"
            await ctx.emit(EventType.ITEM_FAILED, message=message)
            await msg.term()
            return "failed"
        delay = delay if delay is not None else self.policy.retry_delay(ctx.attempt)
        await ctx.emit(EventType.ITEM_RETRYING, message=f"{reason} (retry in {delay:g} s)")
        await msg.nak(delay=delay)
        return "retrying"

    @contextlib.asynccontextmanager
    async def _heartbeat(self, msg: Msg) -> AsyncIterator[None]:
        async def beat() -> None:
            while True:
                await asyncio.sleep(self.policy.heartbeat_interval)
                with contextlib.suppress(nats.errors.Error):
                    await msg.in_progress()

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
