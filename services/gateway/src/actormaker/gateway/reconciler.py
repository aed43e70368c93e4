"""The reconciler: what the happy path left undone is done, or ended with a reason.

- Commands still in the outbox (NATS was down when their job was made) are queued, after the
  job's `job.accepted`, and their rows deleted.
- An item still queued after ITEM_STUCK_AFTER_S has its command queued again: within the
  duplicate window JetStream stores it once, after it the workers' ledger and skip rules make a
  second delivery harmless.
- An item running with no word from a worker for that long fails with a reason, as an
  `item.failed` event, so its followers see it and the projector ends the job.

Every gateway replica runs one; they may overlap, because every step is idempotent.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid5

import nats.errors
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.bus import Bus, BusUnavailable
from actormaker.common.schemas import Event, EventType, ItemStatus, JobStatus, utcnow
from actormaker.gateway.jobs import clear_outbox, publish_accepted, requeue
from actormaker.gateway.models import CommandOutbox, Job, JobItem

log = logging.getLogger(__name__)

_BATCH = 500
_FINAL_JOB_STATUSES = [status.value for status in JobStatus if status.is_final]


@dataclass(frozen=True)
class Reconciled:
    queued: int = 0
    requeued: int = 0
    failed: int = 0


class Reconciler:
    def __init__(
        self,
        bus: Bus,
        sessions: async_sessionmaker[AsyncSession],
        *,
        interval: float,
        outbox_after: float,
        stuck_after: float,
    ) -> None:
        self._bus = bus
        self._sessions = sessions
        self._interval = interval
        self._outbox_after = timedelta(seconds=outbox_after)
        self._stuck_after = timedelta(seconds=stuck_after)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="reconciler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> Reconciled:
        """One pass over the outbox and the stuck items."""
        async with self._sessions() as session:
            queued = await self._flush_outbox(session)
            requeued, failed = await self._unstick(session)
        if queued or requeued or failed:
            log.info(
                "reconciled",
                extra={"queued": queued, "requeued": requeued, "failed": failed},
            )
        return Reconciled(queued, requeued, failed)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except (BusUnavailable, nats.errors.Error, SQLAlchemyError) as error:
                log.warning("reconciliation deferred", extra={"error": repr(error)})
            await asyncio.sleep(self._interval)

    async def _flush_outbox(self, session: AsyncSession) -> int:
        query = (
            select(CommandOutbox, JobItem)
            .join(JobItem, col(JobItem.id) == col(CommandOutbox.item_id))
            .where(col(CommandOutbox.created_at) <= utcnow() - self._outbox_after)
            .order_by(col(CommandOutbox.created_at))
            .limit(_BATCH)
        )
        rows = (await session.exec(query)).all()
        announced: set[UUID] = set()
        for outbox, item in rows:
            if outbox.job_id not in announced:
                job = await session.get(Job, outbox.job_id)
                if job is not None:
                    await publish_accepted(self._bus, job)
                announced.add(outbox.job_id)
            await requeue(self._bus, item)
        await clear_outbox(session, [outbox.item_id for outbox, _ in rows])
        return len(rows)

    async def _unstick(self, session: AsyncSession) -> tuple[int, int]:
        now = utcnow()
        unsent = select(CommandOutbox.item_id)
        query = (
            select(JobItem)
            .join(Job, col(Job.id) == col(JobItem.job_id))
            .where(
                col(JobItem.status).in_([ItemStatus.QUEUED.value, ItemStatus.RUNNING.value]),
                col(JobItem.updated_at) <= now - self._stuck_after,
                col(Job.status).not_in(_FINAL_JOB_STATUSES),
                col(JobItem.id).not_in(unsent),
            )
            .limit(_BATCH)
        )
        items = (await session.exec(query)).all()
        requeued = failed = 0
        for item in items:
            if item.status == ItemStatus.QUEUED:
                await requeue(self._bus, item)
                item.updated_at = now
                requeued += 1
            else:
                await self._bus.publish_event(self._given_up(item))
                failed += 1
        await session.commit()
        return requeued, failed

    def _given_up(self, item: JobItem) -> Event:
        hours = self._stuck_after.total_seconds() / 3600
        return Event(
            # The id a worker would give this item's end: whichever comes first is the one kept.
            id=uuid5(item.id, EventType.ITEM_FAILED),
            type=EventType.ITEM_FAILED,
            job_id=item.job_id,
            item_id=item.id,
            item_key=item.key,
            group=item.group,
            message=f"no word from any worker for {hours:g} h: given up",
        )
