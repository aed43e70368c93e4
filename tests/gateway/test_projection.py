"""Folding events into rows on SQLite and PostgreSQL: idempotent, ordered, monotonic."""

from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.schemas import Event, EventType, JobStatus
from actormaker.gateway.models import Job, JobItem
from actormaker.gateway.projection import apply_events

Sessions = async_sessionmaker[AsyncSession]


async def new_job(sessions: Sessions, size: int) -> tuple[UUID, list[UUID]]:
    job = Job(kind="test", total=size, queued=size)
    items = [JobItem(job_id=job.id, position=i, key=f"item-{i}") for i in range(size)]
    async with sessions() as session:
        session.add(job)
        await session.flush()
        session.add_all(items)
        await session.commit()
    return job.id, [item.id for item in items]


def item_event(job_id: UUID, item_id: UUID, kind: EventType, attempt: int = 1, **fields) -> Event:
    return Event(type=kind, job_id=job_id, item_id=item_id, attempt=attempt, **fields)


async def apply(sessions: Sessions, *events: Event) -> list[Job]:
    async with sessions() as session:
        finished = await apply_events(session, events)
        await session.commit()
    return finished


async def rows(sessions: Sessions, job_id: UUID) -> tuple[Job, dict[UUID, JobItem]]:
    async with sessions() as session:
        job = await session.get(Job, job_id)
        items = {item.id: item for item in (await session.exec(_items(job_id))).all()}
    assert job is not None
    return job, items


def _items(job_id: UUID):
    from sqlmodel import select

    return select(JobItem).where(JobItem.job_id == job_id)


async def test_duplicate_events_count_once(sessions: Sessions) -> None:
    job_id, (item,) = await new_job(sessions, 1)
    started = item_event(job_id, item, EventType.ITEM_STARTED)
    done = item_event(job_id, item, EventType.ITEM_SUCCEEDED, output={"path": "a.jpg"})
    await apply(sessions, started, started, done)
    await apply(sessions, done, started)
    job, items = await rows(sessions, job_id)
    assert (job.queued, job.running, job.succeeded) == (0, 0, 1)
    assert job.status == JobStatus.SUCCEEDED
    assert items[item].output == {"path": "a.jpg"}


async def test_late_started_never_moves_a_finished_item_back(sessions: Sessions) -> None:
    job_id, (first, second) = await new_job(sessions, 2)
    await apply(sessions, item_event(job_id, first, EventType.ITEM_SUCCEEDED))
    await apply(sessions, item_event(job_id, first, EventType.ITEM_STARTED))
    job, items = await rows(sessions, job_id)
    assert items[first].status == "succeeded"
    assert (job.queued, job.running, job.succeeded, job.status) == (1, 0, 1, "queued")
    await apply(sessions, item_event(job_id, second, EventType.ITEM_STARTED))
    job, _ = await rows(sessions, job_id)
    assert job.status == JobStatus.RUNNING


async def test_progress_of_an_older_attempt_is_ignored(sessions: Sessions) -> None:
    job_id, (item,) = await new_job(sessions, 1)
    await apply(
        sessions,
        item_event(job_id, item, EventType.ITEM_STARTED, attempt=2),
        item_event(job_id, item, EventType.ITEM_PROGRESS, attempt=2, progress=0.5, message="b"),
        item_event(job_id, item, EventType.ITEM_PROGRESS, attempt=1, progress=0.9, message="a"),
    )
    _, items = await rows(sessions, job_id)
    assert (items[item].attempts, items[item].progress, items[item].message) == (2, 0.5, "b")


async def test_job_finishes_once_every_item_is_final(sessions: Sessions) -> None:
    job_id, (ok, bad) = await new_job(sessions, 2)
    assert await apply(sessions, item_event(job_id, ok, EventType.ITEM_SUCCEEDED)) == []
    finished = await apply(
        sessions, item_event(job_id, bad, EventType.ITEM_FAILED, message="provider said no")
    )
    assert [job.id for job in finished] == [job_id]
    job, items = await rows(sessions, job_id)
    assert job.status == JobStatus.PARTIAL
    assert job.finished_at is not None
    assert items[bad].error == "provider said no"


async def test_final_status_reflects_the_outcomes(sessions: Sessions) -> None:
    cases = {
        JobStatus.SUCCEEDED: [EventType.ITEM_SUCCEEDED, EventType.ITEM_SUCCEEDED],
        JobStatus.FAILED: [EventType.ITEM_FAILED, EventType.ITEM_FAILED],
        JobStatus.PARTIAL: [EventType.ITEM_SUCCEEDED, EventType.ITEM_FAILED],
    }
    for expected, outcomes in cases.items():
        job_id, items = await new_job(sessions, len(outcomes))
        await apply(
            sessions, *(item_event(job_id, i, o) for i, o in zip(items, outcomes, strict=True))
        )
        job, _ = await rows(sessions, job_id)
        assert job.status == expected


async def test_cancelled_job_ends_cancelled(sessions: Sessions) -> None:
    job_id, (done, stopped) = await new_job(sessions, 2)
    await apply(
        sessions,
        item_event(job_id, done, EventType.ITEM_SUCCEEDED),
        Event(type=EventType.JOB_CANCEL_REQUESTED, job_id=job_id),
        item_event(job_id, stopped, EventType.ITEM_CANCELLED),
    )
    job, _ = await rows(sessions, job_id)
    assert (job.status, job.succeeded, job.cancelled) == (JobStatus.CANCELLED, 1, 1)


async def test_a_repeated_final_event_announces_the_job_again(sessions: Sessions) -> None:
    # After a crash between commit and publish, the redelivered event must re-announce.
    job_id, (item,) = await new_job(sessions, 1)
    done = item_event(job_id, item, EventType.ITEM_SUCCEEDED)
    await apply(sessions, done)
    assert [job.id for job in await apply(sessions, done)] == [job_id]


async def test_events_for_unknown_jobs_or_items_are_skipped(sessions: Sessions) -> None:
    job_id, (item,) = await new_job(sessions, 1)
    finished = await apply(
        sessions,
        item_event(uuid4(), item, EventType.ITEM_SUCCEEDED),
        item_event(job_id, uuid4(), EventType.ITEM_SUCCEEDED),
    )
    job, _ = await rows(sessions, job_id)
    assert finished == []
    assert (job.queued, job.succeeded) == (1, 0)
