"""Provider steps on the ledger, against a real nats-server and the RunPod emulator over HTTP.

An "item delivery" here is one call of a step; a worker's stop or crash is a cancelled call.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pydantic import BaseModel

from actormaker.common.bus import Bus, ItemContext
from actormaker.common.errors import PermanentError, WorkCancelled
from actormaker.common.ledger import Nudges, ProviderLedger, ProviderSteps
from actormaker.common.providers import (
    PollPolicy,
    ProviderHttp,
    ProviderJob,
    ProviderJobFailed,
    ProviderJobOverran,
    ProviderUnavailable,
    RetryPolicy,
)
from actormaker.common.runpod import RunPodClient
from actormaker.common.schemas import EventType, utcnow
from actormaker.common.schemas.provider_jobs import StepAddress, StepRecord, StepState
from actormaker.common.settings import CommonSettings
from actormaker.emulators.runpod import RunningRunPod
from tests.common.bus.helpers import events_until, has
from tests.common.conftest import JobInput
from tests.conftest import RUNPOD_TEST_KEY

ENDPOINT = "steps-test"
POLL = PollPolicy(initial=0.02, max_interval=0.05, timeout=10.0, not_found_grace=0.5)


class Made(BaseModel):
    job_id: str
    output_kind: str


@dataclass
class Rig:
    bus: Bus
    ledger: ProviderLedger
    runpod: RunPodClient
    emulator: RunningRunPod
    job_input: JobInput
    made: list[str]

    def steps(self, poll: PollPolicy = POLL) -> ProviderSteps:
        return ProviderSteps(
            ledger=self.ledger, nudges=Nudges(self.bus.nc), poll=poll, providers=[self.runpod]
        )

    def item(self, ctx: ItemContext | None = None) -> ItemContext:
        """A delivery of an item (a new item, or another delivery of `ctx`'s)."""
        address = SimpleNamespace(
            job_id=ctx.job_id if ctx else uuid4(),
            item_id=ctx.item_id if ctx else uuid4(),
            item_key="scene.jpg",
            group=None,
        )
        return ItemContext(self.bus, address, attempt=ctx.attempt + 1 if ctx else 1, max_attempts=5)

    async def render(self, ctx: ItemContext, steps: ProviderSteps | None = None) -> Made:
        async def request() -> dict[str, Any]:
            return {"input": self.job_input()}

        async def collect(job: ProviderJob) -> Made:
            self.made.append(job.id)
            return Made(job_id=job.id, output_kind=type(job.output).__name__)

        return await (steps or self.steps()).provider_job(
            ctx, "render", self.runpod, request, result=Made, collect=collect
        )

    async def stats(self) -> dict[str, int]:
        async with httpx.AsyncClient(base_url=self.emulator.url) as admin:
            endpoints = (await admin.get("/_emulator/stats")).json()["endpoints"]
        return endpoints.get(ENDPOINT, {"submitted": 0, "polled": 0, "cancelled": 0})

    def emulate(self, **changes: Any) -> None:
        emulator = self.emulator.emulator
        emulator.configure(emulator.config.model_copy(update=changes))

    async def state(self, ctx: ItemContext) -> StepState:
        address = StepAddress(job_id=ctx.job_id, item_id=ctx.item_id, step="render")
        entry = await self.ledger.get(address)
        assert entry is not None
        return entry.record.state


@pytest.fixture
async def rig(
    bus: Bus, settings: CommonSettings, runpod: RunningRunPod, job_input: JobInput
) -> AsyncIterator[Rig]:
    http = ProviderHttp(
        "RunPod",
        base_url=runpod.api_base,
        headers={"Authorization": f"Bearer {RUNPOD_TEST_KEY}"},
        retry=RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.02),
    )
    async with contextlib.aclosing(RunPodClient(http, endpoint_id=ENDPOINT)) as client:
        ledger = await ProviderLedger.open(bus.js, settings)
        yield Rig(bus, ledger, client, runpod, job_input, made=[])


async def rendering(
    rig: Rig, ctx: ItemContext, steps: ProviderSteps | None = None, *, polled: int = 1
) -> asyncio.Task[Made]:
    """A render in the background, once the provider has been polled `polled` times."""
    task = asyncio.create_task(rig.render(ctx, steps))
    await started(rig, lambda stats: stats["polled"] >= polled)
    return task


async def interrupt(task: asyncio.Task[Made]) -> None:
    """Stop a render the way a worker's shutdown or crash does."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def started(rig: Rig, condition: Callable[[dict[str, int]], bool]) -> None:
    """Wait until the emulator's counters for our endpoint satisfy `condition`."""
    async with asyncio.timeout(10):
        while not condition(await rig.stats()):  # noqa: ASYNC110 - the emulator is another server
            await asyncio.sleep(0.02)


async def test_a_step_submits_once_and_a_later_delivery_gets_its_result(rig: Rig) -> None:
    ctx = rig.item()

    first = await rig.render(ctx)
    again = await rig.render(rig.item(ctx))

    assert first == again
    assert rig.made == [first.job_id], "the result was collected once"
    stats = await rig.stats()
    assert stats["submitted"] == 1
    polled = stats["polled"]
    assert (await rig.stats())["polled"] == polled, "a finished step asks the provider nothing"
    assert await rig.state(ctx) is StepState.SUCCEEDED


async def test_a_delivery_that_stopped_mid_wait_is_re_attached_not_resubmitted(rig: Rig) -> None:
    rig.emulate(latency_s=1.0)
    ctx = rig.item()
    await interrupt(await rendering(rig, ctx, polled=2))

    made = await rig.render(rig.item(ctx))

    stats = await rig.stats()
    assert (stats["submitted"], stats["cancelled"]) == (1, 0)
    assert rig.made == [made.job_id]
    events = await events_until(rig.bus, ctx.job_id, has(EventType.ITEM_PROGRESS, 2))
    assert any("re-attached to RunPod job" in (e.message or "") for e in events)


async def test_a_nudge_makes_the_waiter_look_now(rig: Rig) -> None:
    rig.emulate(latency_s=1.0)  # so the first poll finds the job still running, even under load
    patient = rig.steps(PollPolicy(initial=30, max_interval=30, timeout=60))
    ctx = rig.item()
    waiting = await rendering(rig, ctx, patient)
    await asyncio.sleep(1.2)  # the emulated job is done; the next poll is 30 s away
    assert not waiting.done()

    await Nudges(rig.bus.nc).send(
        StepAddress(job_id=ctx.job_id, item_id=ctx.item_id, step="render")
    )

    async with asyncio.timeout(5):
        await waiting
    assert (await rig.stats())["polled"] == 2


async def test_a_job_the_provider_failed_fails_for_good(rig: Rig) -> None:
    rig.emulate(failure_rate=1.0)
    ctx = rig.item()

    with pytest.raises(ProviderJobFailed, match="emulated failure"):
        await rig.render(ctx)
    with pytest.raises(PermanentError, match="emulated failure"):
        await rig.render(rig.item(ctx))

    assert (await rig.stats())["submitted"] == 1
    assert await rig.state(ctx) is StepState.FAILED


async def test_a_users_cancel_cancels_the_provider_job(rig: Rig) -> None:
    rig.emulate(hang_rate=1.0)
    ctx = rig.item()
    waiting = await rendering(rig, ctx)

    await rig.bus.request_cancel(ctx.job_id)

    with pytest.raises(WorkCancelled, match="cancelled while RunPod job"):
        await waiting
    stats = await rig.stats()
    assert (stats["submitted"], stats["cancelled"]) == (1, 1)
    assert await rig.state(ctx) is StepState.CANCELLED


async def test_cancel_open_cancels_what_a_dead_worker_left_running(rig: Rig) -> None:
    rig.emulate(hang_rate=1.0)
    ctx = rig.item()
    await interrupt(await rendering(rig, ctx))

    await rig.steps().cancel_open(rig.item(ctx))

    [job] = rig.emulator.emulator.jobs()
    assert (job.status, job.cancel_calls) == ("CANCELLED", 1)
    assert await rig.state(ctx) is StepState.CANCELLED


async def test_a_job_that_overruns_is_cancelled_and_the_retry_submits_anew(rig: Rig) -> None:
    rig.emulate(hang_rate=1.0)
    hasty = rig.steps(PollPolicy(initial=0.02, max_interval=0.05, timeout=0.3))
    ctx = rig.item()

    with pytest.raises(ProviderJobOverran, match=r"did not finish within 0.3s"):
        await rig.render(ctx, hasty)
    assert await rig.state(ctx) is StepState.ABANDONED
    rig.emulate(hang_rate=0.0)
    await rig.render(rig.item(ctx), hasty)

    stats = await rig.stats()
    assert (stats["submitted"], stats["cancelled"]) == (2, 1)


async def test_a_forgotten_job_is_submitted_again_once_with_a_warning(rig: Rig) -> None:
    rig.emulate(retention_s=0.0)
    slow_poll = rig.steps(
        PollPolicy(initial=0.6, max_interval=0.6, timeout=10, not_found_grace=0.3)
    )
    ctx = rig.item()
    waiting = asyncio.create_task(rig.render(ctx, slow_poll))
    events = await events_until(rig.bus, ctx.job_id, has(EventType.ITEM_WARNING))
    rig.emulate(retention_s=1800.0)

    made = await waiting

    [warning] = [e for e in events if e.type is EventType.ITEM_WARNING]
    assert "RunPod no longer knows job" in (warning.message or "")
    assert "submitting the step again, once" in (warning.message or "")
    assert (await rig.stats())["submitted"] == 2
    assert rig.made == [made.job_id]


async def test_a_job_forgotten_twice_fails(rig: Rig) -> None:
    rig.emulate(retention_s=0.0)
    slow_poll = rig.steps(
        PollPolicy(initial=0.6, max_interval=0.6, timeout=10, not_found_grace=0.3)
    )

    with pytest.raises(PermanentError, match="already submitted again once"):
        await rig.render(rig.item(), slow_poll)

    assert (await rig.stats())["submitted"] == 2


async def test_a_404_right_after_submit_counts_as_queued(rig: Rig) -> None:
    rig.emulate(not_found_for_s=0.2)

    await rig.render(rig.item())

    assert (await rig.stats())["submitted"] == 1


async def test_a_local_step_runs_once(rig: Rig) -> None:
    ctx = rig.item()
    runs: list[int] = []

    async def produce() -> Made:
        runs.append(1)
        return Made(job_id="local", output_kind="none")

    first = await rig.steps().local(ctx, "save", Made, produce)
    again = await rig.steps().local(rig.item(ctx), "save", Made, produce)

    assert first == again
    assert runs == [1]


async def _left_submitting(rig: Rig, ctx: ItemContext, *, age_s: float) -> None:
    """The step as a delivery leaves it between creating its record and recording the job."""
    await rig.ledger.put(
        StepRecord(
            job_id=ctx.job_id,
            item_id=ctx.item_id,
            step="render",
            state=StepState.SUBMITTING,
            provider="RunPod",
            updated_at=utcnow() - timedelta(seconds=age_s),
        )
    )


async def test_a_redelivery_waits_for_a_submit_still_in_flight(rig: Rig) -> None:
    ctx = rig.item()
    await _left_submitting(rig, ctx, age_s=0.0)
    patient = rig.steps(replace(POLL, submit_grace=30.0))
    waiting = asyncio.create_task(rig.render(rig.item(ctx), patient))
    await asyncio.sleep(0.3)
    assert not waiting.done()

    # The first delivery's submit lands: the waiting one re-attaches to it.
    job_id = await rig.runpod.submit({"input": rig.job_input()})
    entry = await rig.ledger.get(StepAddress(job_id=ctx.job_id, item_id=ctx.item_id, step="render"))
    assert entry is not None
    submitted = entry.record.moved(
        StepState.SUBMITTED, provider_job_id=job_id, submitted_at=utcnow()
    )
    await rig.ledger.replace(entry, submitted)
    made = await asyncio.wait_for(waiting, 10)

    assert made.job_id == job_id
    assert (await rig.stats())["submitted"] == 1


async def test_a_submit_that_died_is_made_again_after_the_grace(rig: Rig) -> None:
    ctx = rig.item()
    await _left_submitting(rig, ctx, age_s=0.0)

    made = await rig.render(rig.item(ctx), rig.steps(replace(POLL, submit_grace=0.5)))

    assert made.job_id
    assert (await rig.stats())["submitted"] == 1


async def test_a_submit_that_failed_lets_the_next_delivery_submit_at_once(rig: Rig) -> None:
    ctx = rig.item()
    rig.emulate(server_error_rate=1.0)
    with pytest.raises(ProviderUnavailable):
        await rig.render(ctx)
    assert await rig.state(ctx) is StepState.ABANDONED

    rig.emulate(server_error_rate=0.0)
    made = await rig.render(rig.item(ctx))

    assert made.job_id
    assert await rig.state(ctx) is StepState.SUCCEEDED
