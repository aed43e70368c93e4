"""The worker runtime on a real nats-server: outcomes, retries, redelivery, cancel, shutdown."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

from pydantic import BaseModel

from actormaker.common.bus import Bus, DeliveryPolicy, ItemContext, Worker
from actormaker.common.errors import PermanentError, TransientError
from actormaker.common.schemas import Command, EventType
from actormaker.common.settings import CommonSettings
from tests.common.bus.helpers import (
    command_type,
    events_until,
    final,
    has,
    new_command,
    unique_service,
)

FAST = DeliveryPolicy(ack_wait=1.0, max_deliver=3, backoff=(0.2, 0.2, 0.2))


class Echoed(BaseModel):
    text: str
    attempt: int


async def echo(command: Any, ctx: ItemContext) -> Echoed:
    return Echoed(text=command.text, attempt=ctx.attempt)


@asynccontextmanager
async def running_worker(
    bus: Bus,
    command: type[Command],
    handler: Callable[..., Any],
    **options: Any,
) -> AsyncIterator[Worker]:
    options.setdefault("policy", FAST)
    options.setdefault("fetch_timeout", 0.5)
    worker = Worker(bus, service=command.SERVICE, handlers={command: handler}, **options)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


async def test_handler_output_is_reported_as_item_succeeded(bus: Bus) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo, text="hi there")
    async with running_worker(bus, Echo, echo):
        await bus.publish_command(command)
        events = await events_until(bus, command.job_id, final)
    assert [e.type for e in events] == [EventType.ITEM_STARTED, EventType.ITEM_SUCCEEDED]
    assert events[-1].output == {"text": "hi there", "attempt": 1}
    assert events[-1].item_key == "item-1"


async def test_same_command_published_twice_runs_once(bus: Bus) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo)
    calls = []

    async def count(cmd: Any, ctx: ItemContext) -> None:
        calls.append(cmd.id)

    first = await bus.publish_command(command)
    second = await bus.publish_command(command)
    assert first == second
    async with running_worker(bus, Echo, count):
        await events_until(bus, command.job_id, final)
        other = new_command(Echo)
        await bus.publish_command(other)
        await events_until(bus, other.job_id, final)
    assert calls == [command.id, other.id]


async def test_transient_error_is_retried_after_its_delay(bus: Bus) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo)
    attempts: list[float] = []

    async def flaky(cmd: Any, ctx: ItemContext) -> Echoed:
        attempts.append(time.monotonic())
        if ctx.attempt == 1:
            raise TransientError("provider busy", delay=0.6)
        return Echoed(text=cmd.text, attempt=ctx.attempt)

    async with running_worker(bus, Echo, flaky):
        await bus.publish_command(command)
        events = await events_until(bus, command.job_id, has(EventType.ITEM_SUCCEEDED))
    retrying = [e for e in events if e.type is EventType.ITEM_RETRYING]
    assert len(retrying) == 1
    assert "provider busy" in (retrying[0].message or "")
    assert events[-1].attempt == 2
    assert attempts[1] - attempts[0] >= 0.5


async def test_unexpected_errors_back_off_by_the_policy(bus: Bus) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo)
    attempts: list[float] = []

    async def crashing_once(cmd: Any, ctx: ItemContext) -> None:
        attempts.append(time.monotonic())
        if ctx.attempt == 1:
            raise RuntimeError("disk on fire")

    policy = DeliveryPolicy(ack_wait=5, max_deliver=3, backoff=(0.7,))
    async with running_worker(bus, Echo, crashing_once, policy=policy):
        await bus.publish_command(command)
        events = await events_until(bus, command.job_id, has(EventType.ITEM_SUCCEEDED))
    assert any("RuntimeError: disk on fire" in (e.message or "") for e in events)
    assert attempts[1] - attempts[0] >= 0.6


async def test_exhausted_deliveries_fail_the_item_with_the_reason(bus: Bus) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo)

    async def always_busy(cmd: Any, ctx: ItemContext) -> None:
        raise TransientError("upstream 503", delay=0.05)

    async with running_worker(bus, Echo, always_busy):
        await bus.publish_command(command)
        events = await events_until(bus, command.job_id, final)
    failed = events[-1]
    assert failed.type is EventType.ITEM_FAILED
    assert failed.attempt == FAST.max_deliver
    assert failed.message == "gave up after 3 attempts: upstream 503"


async def test_permanent_error_fails_at_once_without_retry(bus: Bus) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo)

    async def refuse(cmd: Any, ctx: ItemContext) -> None:
        raise PermanentError("image is not a PNG")

    async with running_worker(bus, Echo, refuse):
        await bus.publish_command(command)
        events = await events_until(bus, command.job_id, final)
    assert [e.type for e in events] == [EventType.ITEM_STARTED, EventType.ITEM_FAILED]
    assert events[-1].message == "image is not a PNG"


async def test_items_of_a_cancelled_job_are_not_run(bus: Bus) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo)
    calls = []

    async def record(cmd: Any, ctx: ItemContext) -> None:
        calls.append(cmd)

    await bus.request_cancel(command.job_id)
    async with running_worker(bus, Echo, record):
        await bus.publish_command(command)
        events = await events_until(bus, command.job_id, final)
    assert [e.type for e in events] == [EventType.ITEM_CANCELLED]
    assert calls == []


async def test_running_item_stops_when_its_job_is_cancelled(bus: Bus) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo)
    started = asyncio.Event()

    async def wait_on_provider(cmd: Any, ctx: ItemContext) -> None:
        started.set()
        while True:
            await ctx.raise_if_cancelled()
            await asyncio.sleep(0.05)

    async with running_worker(bus, Echo, wait_on_provider):
        await bus.publish_command(command)
        await asyncio.wait_for(started.wait(), 10)
        await bus.request_cancel(command.job_id)
        events = await events_until(bus, command.job_id, final)
    assert events[-1].type is EventType.ITEM_CANCELLED


async def test_heartbeats_hold_a_long_item_past_ack_wait(bus: Bus) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo)
    deliveries = []

    async def slow(cmd: Any, ctx: ItemContext) -> None:
        deliveries.append(ctx.attempt)
        await asyncio.sleep(FAST.ack_wait * 3)

    async with running_worker(bus, Echo, slow):
        await bus.publish_command(command)
        events = await events_until(bus, command.job_id, final)
    assert deliveries == [1]
    assert events[-1].type is EventType.ITEM_SUCCEEDED


async def test_message_of_a_worker_that_died_is_redelivered(
    bus: Bus, settings: CommonSettings
) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo)
    started = asyncio.Event()

    async def hang(cmd: Any, ctx: ItemContext) -> None:
        started.set()
        await asyncio.Event().wait()

    doomed_bus = await Bus.connect(settings, name="doomed")
    doomed = Worker(
        doomed_bus, service=Echo.SERVICE, handlers={Echo: hang}, policy=FAST, shutdown_grace=0
    )
    await doomed.start()
    await bus.publish_command(command)
    await asyncio.wait_for(started.wait(), 10)
    await doomed_bus.nc.close()  # the process dies: no ack, no nak, no heartbeat
    async with running_worker(bus, Echo, echo):
        events = await events_until(bus, command.job_id, has(EventType.ITEM_SUCCEEDED))
    assert events[-1].output == {"text": "hello", "attempt": 2}
    await doomed.stop()


async def test_shutdown_releases_in_flight_items_to_another_replica(bus: Bus) -> None:
    Echo = command_type(unique_service())
    command = new_command(Echo)
    started = asyncio.Event()

    async def hang(cmd: Any, ctx: ItemContext) -> None:
        started.set()
        await asyncio.Event().wait()

    slow_policy = DeliveryPolicy(ack_wait=60, max_deliver=3)
    first = Worker(
        bus,
        service=Echo.SERVICE,
        handlers={Echo: hang},
        policy=slow_policy,
        shutdown_grace=0.2,
        fetch_timeout=0.5,
    )
    await first.start()
    await bus.publish_command(command)
    await asyncio.wait_for(started.wait(), 10)
    begun = time.monotonic()
    await first.stop()
    async with running_worker(bus, Echo, echo, policy=slow_policy):
        events = await events_until(bus, command.job_id, has(EventType.ITEM_SUCCEEDED))
    assert events[-1].attempt == 2
    assert time.monotonic() - begun < slow_policy.ack_wait


async def test_concurrency_bounds_items_in_flight(bus: Bus) -> None:
    Echo = command_type(unique_service())
    job_id = uuid4()
    running = 0
    peak = 0

    async def busy(cmd: Any, ctx: ItemContext) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.1)
        running -= 1

    async with running_worker(bus, Echo, busy, concurrency=3):
        for _ in range(9):
            await bus.publish_command(new_command(Echo, job_id=job_id))
        await events_until(bus, job_id, has(EventType.ITEM_SUCCEEDED, 9))
    assert peak == 3


async def test_unusable_command_fails_its_item(bus: Bus) -> None:
    Echo = command_type(unique_service())
    job_id, item_id = uuid4(), uuid4()
    payload = (
        f'{{"schema": "{Echo.SCHEMA}", "job_id": "{job_id}", "item_id": "{item_id}", '
        f'"item_key": "x", "text": 42}}'
    ).encode()
    async with running_worker(bus, Echo, echo):
        await bus.js.publish(Echo.subject(), payload, headers={"Nats-Msg-Id": str(uuid4())})
        events = await events_until(bus, job_id, final)
    assert events[-1].type is EventType.ITEM_FAILED
    assert "unusable command" in (events[-1].message or "")
