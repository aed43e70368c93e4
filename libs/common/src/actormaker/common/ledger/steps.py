"""Steps that survive crashes: what a step started is in the ledger before anyone waits on it.

A provider step submits its job once, records the provider's id, then waits (polling, and woken
early by webhooks). A redelivered item, or another replica after a crash, finds the record and
re-attaches to that job instead of submitting again; a step that already succeeded hands back
what it produced, so a multi-step handler resumes at its first unfinished step.

Only a user's cancel cancels a provider job. A worker that stops or dies leaves it running for
the next delivery. A job the provider has forgotten (RunPod keeps /run results 30 minutes) is
submitted again once, with a warning; one that overruns the timeout is cancelled and retried.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import nats.errors
import nats.js.errors
from pydantic import BaseModel

from actormaker.common.bus.context import ItemContext
from actormaker.common.errors import PermanentError, TransientError, WorkCancelled
from actormaker.common.ledger.nudges import Nudge, Nudges
from actormaker.common.ledger.store import Entry, ProviderLedger, StepContended
from actormaker.common.ledger.webhooks import WebhookRoute, new_token, token_digest, webhook_url
from actormaker.common.providers.errors import ProviderRejected, ProviderUnavailable
from actormaker.common.providers.jobs import (
    JobState,
    PollPolicy,
    ProviderJob,
    ProviderJobFailed,
    ProviderJobForgotten,
    ProviderJobOverran,
    ProviderJobs,
)
from actormaker.common.schemas import utcnow
from actormaker.common.schemas.provider_jobs import StepAddress, StepRecord, StepState

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
StatusCallback = Callable[[ProviderJob], Awaitable[None]]
RequestBuilder = Callable[[], Awaitable[Mapping[str, Any]]]

_CANCELLED_BY_USER = "cancelled by the user"
# How long a submitted job's id is retried into the ledger while NATS is away.
_RECORD_SUBMISSION_FOR_S = 300.0
# How often a delivery looks again while another one may still be in its submit.
_SUBMIT_CHECK_S = 0.5


class ProviderSteps:
    """Runs the steps of items against the ledger; one per worker, shared by its handlers."""

    def __init__(
        self,
        *,
        ledger: ProviderLedger,
        nudges: Nudges,
        poll: PollPolicy,
        webhook_base_url: str | None = None,
        webhook_route: WebhookRoute = webhook_url,
        providers: Sequence[ProviderJobs] = (),
    ) -> None:
        self._ledger = ledger
        self._nudges = nudges
        self._poll = poll
        self._webhook_base_url = webhook_base_url
        self._webhook_route = webhook_route
        self._providers = {jobs.provider: jobs for jobs in providers}
        self._rng = random.Random()

    async def local(
        self, ctx: ItemContext, step: str, result: type[M], produce: Callable[[], Awaitable[M]]
    ) -> M:
        """Run a step that needs no provider, once: a recorded result is returned as it is."""
        address = _address(ctx, step)
        entry = await self._ledger.get(address)
        if entry is not None and entry.record.state is StepState.SUCCEEDED:
            return result.model_validate(entry.record.outputs)
        value = await produce()
        record = StepRecord(
            **address.model_dump(),
            state=StepState.SUCCEEDED,
            outputs=value.model_dump(mode="json"),
            updated_at=utcnow(),
        )
        await self._ledger.put(record)
        return value

    async def provider_job(
        self,
        ctx: ItemContext,
        step: str,
        jobs: ProviderJobs,
        request: RequestBuilder,
        *,
        result: type[M],
        collect: Callable[[ProviderJob], Awaitable[M]],
        on_status: StatusCallback | None = None,
    ) -> M:
        """The step's result: its provider job submitted once, waited for, then `collect`ed.

        `request` builds the provider request; it is only called when a job is submitted, so a
        delivery that re-attaches skips the work of building it.

        `collect` must store what the job produced durably (providers forget results), and
        return where it put it: that is what the ledger keeps and a later delivery gets back.
        """
        address = _address(ctx, step)
        async with self._nudges.listen(address) as nudge:
            entry = await self._ledger.get(address)
            if entry is not None and entry.record.state is StepState.SUBMITTING:
                entry = await self._after_a_submit_in_flight(address, entry)
            if entry is not None and entry.record.state.is_final:
                return _settled(entry.record, result)
            if entry is None or entry.record.state in (StepState.SUBMITTING, StepState.ABANDONED):
                entry = await self._submit(ctx, address, jobs, request, entry)
            else:
                await ctx.progress(
                    f"{ctx.item_key}: re-attached to {jobs.provider} job "
                    f"{entry.record.provider_job_id}"
                )

            async def resubmit(forgotten: Entry) -> Entry:
                return await self._submit(ctx, address, jobs, request, forgotten)

            waiter = _Waiter(
                ledger=self._ledger,
                poll=self._poll,
                rng=self._rng,
                ctx=ctx,
                jobs=jobs,
                nudge=nudge,
                resubmit=resubmit,
                on_status=on_status,
            )
            entry, job = await waiter.wait(entry)
            value = await collect(job)
            done = entry.record.moved(StepState.SUCCEEDED, outputs=value.model_dump(mode="json"))
            await self._ledger.replace(entry, done)
            return value

    async def cancel_open(self, ctx: ItemContext) -> None:
        """Cancel the provider jobs still running for an item whose job a user cancelled."""
        for entry in await self._ledger.item_entries(ctx.job_id, ctx.item_id):
            record = entry.record
            jobs = self._providers.get(record.provider or "")
            if record.state is not StepState.SUBMITTED or jobs is None:
                continue
            await cancel_quietly(jobs, record.provider_job_id)
            with contextlib.suppress(StepContended):
                await self._ledger.replace(
                    entry, record.moved(StepState.CANCELLED, error=_CANCELLED_BY_USER)
                )

    async def _submit(
        self,
        ctx: ItemContext,
        address: StepAddress,
        jobs: ProviderJobs,
        request: RequestBuilder,
        entry: Entry | None,
    ) -> Entry:
        body = await request()
        token = new_token() if self._webhook_base_url else None
        digests = (token_digest(token),) if token else ()
        if entry is None:
            fresh = StepRecord(
                **address.model_dump(),
                state=StepState.SUBMITTING,
                provider=jobs.provider,
                webhook_digests=digests,
                updated_at=utcnow(),
            )
            created = await self._ledger.create(fresh)
            if created is None:
                raise StepContended(f"step {address.key} was started by another delivery")
            entry = created
        else:
            if entry.record.state is StepState.SUBMITTING:
                log.info("resubmitting a step whose submit was never confirmed", extra=_log(ctx))
            record = entry.record
            entry = await self._ledger.replace(
                entry,
                record.moved(
                    StepState.SUBMITTING, webhook_digests=record.webhook_digests + digests
                ),
            )
        webhook = None
        if self._webhook_base_url and token:
            webhook = self._webhook_route(
                self._webhook_base_url, jobs.provider.lower(), address, token
            )
        try:
            provider_job_id = await jobs.submit(body, webhook=webhook)
        except Exception as error:
            await self._submit_failed(entry, error)
            raise
        submitted = entry.record.moved(
            StepState.SUBMITTED,
            provider_job_id=provider_job_id,
            provider_status=None,
            submitted_at=utcnow(),
            submissions=entry.record.submissions + 1,
        )
        entry = await self._record_submission(ctx, address, entry, submitted)
        await ctx.progress(
            f"{ctx.item_key}: {jobs.provider} job {provider_job_id} submitted", fraction=0.1
        )
        return entry

    async def _after_a_submit_in_flight(self, address: StepAddress, entry: Entry) -> Entry:
        """The step's record once no other delivery can still be in its submit.

        An item is redelivered while its first delivery still runs when heartbeats miss
        ack_wait (NATS restarting, say); that delivery records its job moments later. So a
        record left SUBMITTING is waited on, in place, for the policy's grace; only a submit
        older than that is taken for one that died mid-request, and made again.
        """
        while entry.record.state is StepState.SUBMITTING:
            left = self._poll.submit_grace - _since_update(entry.record)
            if left <= 0:
                break
            await asyncio.sleep(min(left, _SUBMIT_CHECK_S))
            entry = await self._ledger.get(address) or entry
        return entry

    async def _submit_failed(self, entry: Entry, error: Exception) -> None:
        """This delivery's submit is over without a job: the next one may submit at once."""
        with contextlib.suppress(StepContended, nats.errors.Error, nats.js.errors.Error):
            failed = entry.record.moved(StepState.ABANDONED, error=f"submit failed: {error}")
            await self._ledger.replace(entry, failed)

    async def _record_submission(
        self, ctx: ItemContext, address: StepAddress, entry: Entry, submitted: StepRecord
    ) -> Entry:
        """Record the job the provider took, waiting out NATS if it is away meanwhile.

        Giving up here would leave the step SUBMITTING, and the next delivery would pay for the
        job a second time; so the write is retried until NATS is back (or long past hope).
        """
        deadline = asyncio.get_running_loop().time() + _RECORD_SUBMISSION_FOR_S
        delay = 0.1
        while True:
            try:
                return await self._ledger.replace(entry, submitted)
            except StepContended:
                # A write that timed out may still have landed: then the record is ours.
                current = await self._ledger.get(address)
                if current and current.record.provider_job_id == submitted.provider_job_id:
                    return current
                raise
            except (nats.errors.Error, nats.js.errors.Error) as error:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                log.warning(
                    "submitted job not recorded yet; retrying",
                    extra=_log(ctx)
                    | {"provider_job_id": submitted.provider_job_id, "error": repr(error)},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)


class _Waiter:
    """Waiting on one step's provider job until it is final, recording what it learns."""

    def __init__(
        self,
        *,
        ledger: ProviderLedger,
        poll: PollPolicy,
        rng: random.Random,
        ctx: ItemContext,
        jobs: ProviderJobs,
        nudge: Nudge,
        resubmit: Callable[[Entry], Awaitable[Entry]],
        on_status: StatusCallback | None,
    ) -> None:
        self._ledger = ledger
        self._poll = poll
        self._rng = rng
        self._ctx = ctx
        self._jobs = jobs
        self._nudge = nudge
        self._resubmit_step = resubmit
        self._on_status = on_status

    async def wait(self, entry: Entry) -> tuple[Entry, ProviderJob]:
        interval = self._poll.initial
        while True:
            if await self._ctx.is_cancelled():
                await self._cancel(entry)
            try:
                job = await self._jobs.status(_provider_job_id(entry.record))
            except ProviderJobForgotten as forgotten:
                if _age(entry.record) >= self._poll.not_found_grace:
                    entry = await self._resubmit(entry, forgotten)
                    interval = self._poll.initial
                    continue
            else:
                entry = await self._observe(entry, job)
                if job.state is JobState.SUCCEEDED:
                    return entry, job
            remaining = self._poll.timeout - _age(entry.record)
            if remaining <= 0:
                await self._give_up(entry)
            await self._nudge.wait(min(self._poll.jittered(interval, rng=self._rng), remaining))
            interval = self._poll.next_interval(interval)

    async def _observe(self, entry: Entry, job: ProviderJob) -> Entry:
        if job.status != entry.record.provider_status:
            entry = await self._ledger.replace(
                entry, entry.record.moved(StepState.SUBMITTED, provider_status=job.status)
            )
            if self._on_status is not None:
                await self._on_status(job)
        if job.state.is_final and job.state is not JobState.SUCCEEDED:
            failure = ProviderJobFailed(
                self._jobs.provider, job.id, job.status, job.failure_message()
            )
            await self._ledger.replace(
                entry, entry.record.moved(StepState.FAILED, error=str(failure))
            )
            raise failure
        return entry

    async def _cancel(self, entry: Entry) -> None:
        record = entry.record
        await cancel_quietly(self._jobs, record.provider_job_id)
        await self._ledger.replace(
            entry, record.moved(StepState.CANCELLED, error=_CANCELLED_BY_USER)
        )
        raise WorkCancelled(
            f"cancelled while {self._jobs.provider} job {record.provider_job_id} was "
            f"{record.provider_status or 'submitted'}"
        )

    async def _resubmit(self, entry: Entry, forgotten: ProviderJobForgotten) -> Entry:
        record = entry.record
        if record.resubmitted_forgotten:
            await self._ledger.replace(entry, record.moved(StepState.FAILED, error=str(forgotten)))
            raise PermanentError(f"{forgotten}, and it was already submitted again once")
        await self._ctx.warn(
            f"{self._ctx.item_key}: {self._jobs.provider} no longer knows job "
            f"{record.provider_job_id} (its results expire); submitting the step again, once"
        )
        entry = await self._ledger.replace(
            entry, record.moved(StepState.ABANDONED, resubmitted_forgotten=True)
        )
        return await self._resubmit_step(entry)

    async def _give_up(self, entry: Entry) -> None:
        record = entry.record
        overran = ProviderJobOverran(
            self._jobs.provider,
            _provider_job_id(record),
            self._poll.timeout,
            record.provider_status,
        )
        await cancel_quietly(self._jobs, record.provider_job_id)
        await self._ledger.replace(entry, record.moved(StepState.ABANDONED, error=str(overran)))
        raise overran


async def cancel_quietly(jobs: ProviderJobs, provider_job_id: str | None) -> None:
    """Cancel a provider job; trouble doing so is logged, never raised."""
    if provider_job_id is None:
        return
    try:
        await jobs.cancel(provider_job_id)
    except (ProviderUnavailable, ProviderRejected, ProviderJobForgotten) as error:
        log.warning(
            "provider cancel failed",
            extra={"provider": jobs.provider, "job": provider_job_id, "reason": str(error)},
        )


def _settled(record: StepRecord, result: type[M]) -> M:
    if record.state is StepState.SUCCEEDED:
        return result.model_validate(record.outputs)
    if record.state is StepState.CANCELLED:
        raise WorkCancelled(record.error or _CANCELLED_BY_USER)
    raise PermanentError(record.error or f"step {record.step} failed")


def _address(ctx: ItemContext, step: str) -> StepAddress:
    return StepAddress(job_id=ctx.job_id, item_id=ctx.item_id, step=step)


def _provider_job_id(record: StepRecord) -> str:
    if record.provider_job_id is None:
        raise TransientError(f"step {record.key} has no provider job yet")
    return record.provider_job_id


def _since_update(record: StepRecord) -> float:
    return (utcnow() - record.updated_at).total_seconds()


def _age(record: StepRecord) -> float:
    """Seconds since the step's provider job was submitted (wall clock: it spans restarts)."""
    if record.submitted_at is None:
        return 0.0
    return (utcnow() - record.submitted_at).total_seconds()


def _log(ctx: ItemContext) -> dict[str, object]:
    return {"job_id": str(ctx.job_id), "item": ctx.item_key}
