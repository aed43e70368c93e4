"""One reader of a job's events per gateway process, shared by every SSE client of that job.

Each event then crosses NATS once, not once per client: with 50 clients on one job, parsing the
same message 50 times was half of the gateway's work. A feed keeps the job's events from its
first, so a client that resumes after any sequence is served from memory, then live. A feed
lingers a little after its last client leaves, for the reconnect that usually follows.
"""

import asyncio
import bisect
import contextlib
from collections.abc import AsyncIterator
from uuid import UUID

from nats.js import JetStreamContext

from actormaker.common.bus import StoredEvent, follow_events
from actormaker.common.subjects import job_events


class JobFeed:
    """A job's events as read so far, and a way to wait for the next ones."""

    def __init__(self, js: JetStreamContext, job_id: UUID) -> None:
        self.readers = 0
        self._events: list[StoredEvent] = []
        self._sequences: list[int] = []
        self._changed = asyncio.Condition()
        self._task = asyncio.create_task(self._follow(js, job_id), name=f"feed-{job_id}")
        self.closing: asyncio.TimerHandle | None = None

    async def after(self, seq: int | None) -> AsyncIterator[StoredEvent]:
        """The job's events after `seq` (all when None), ending after job.finished."""
        after = -1 if seq is None else seq
        position = bisect.bisect_right(self._sequences, after)
        while True:
            async with self._changed:
                while len(self._events) <= position:
                    await self._changed.wait()
                new = self._events[position:]
            position += len(new)
            # A feed that has just opened has not read up to `seq` yet: what it reads next may
            # still be at or before it, so the sequence is checked on every event.
            for stored in new:
                if stored.seq <= after:
                    continue
                yield stored
                if stored.is_terminal:
                    return

    async def close(self) -> None:
        """Stop reading; the follower's consumer is deleted."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _follow(self, js: JetStreamContext, job_id: UUID) -> None:
        async for item in follow_events(js, job_events(job_id)):
            if not isinstance(item, StoredEvent):
                continue
            async with self._changed:
                self._events.append(item)
                self._sequences.append(item.seq)
                self._changed.notify_all()
            if item.is_terminal:
                return


class JobFeeds:
    """The open feeds of this process, by job."""

    def __init__(self, js: JetStreamContext, *, linger: float) -> None:
        self._js = js
        self._linger = linger
        self._feeds: dict[UUID, JobFeed] = {}
        self._closing: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def open(self, job_id: UUID) -> AsyncIterator[JobFeed]:
        """The job's feed, shared with other readers, for as long as the block runs."""
        feed = self._feeds.get(job_id)
        if feed is None:
            feed = self._feeds[job_id] = JobFeed(self._js, job_id)
        if feed.closing is not None:
            feed.closing.cancel()
            feed.closing = None
        feed.readers += 1
        try:
            yield feed
        finally:
            feed.readers -= 1
            if feed.readers == 0:
                loop = asyncio.get_running_loop()
                feed.closing = loop.call_later(self._linger, self._drop, job_id, feed)

    async def close(self) -> None:
        """Close every feed (at shutdown)."""
        feeds, self._feeds = list(self._feeds.values()), {}
        for feed in feeds:
            await feed.close()
        await asyncio.gather(*self._closing)

    def _drop(self, job_id: UUID, feed: JobFeed) -> None:
        if self._feeds.get(job_id) is feed and feed.readers == 0:
            del self._feeds[job_id]
            task = asyncio.create_task(feed.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
