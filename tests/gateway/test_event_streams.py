"""Server-Sent Events: order, ids, resume with Last-Event-ID, end of stream, disconnects."""

import asyncio
import contextlib
import json
from typing import Any
from uuid import UUID

import httpx
import pytest
from httpx_sse import aconnect_sse

from actormaker.common.bus import ItemContext
from actormaker.common.settings import CommonSettings
from actormaker.common.subjects import EVENTS_STREAM, job_events
from tests.gateway.conftest import Database, Gateway, gateway_settings, running_gateway
from tests.gateway.helpers import new_command_type, read_sse, submit, worker_for


async def two_steps(command: Any, ctx: ItemContext) -> None:
    await ctx.progress("step 1", fraction=0.5)


async def test_job_stream_replays_everything_in_order_and_ends(gateway: Gateway) -> None:
    Echo = new_command_type()
    job_id = await submit(gateway, Echo, ["a", "b"])
    async with worker_for(gateway.bus, Echo, two_steps):
        events = await read_sse(gateway.client, f"/api/jobs/{job_id}/events")
    types = [event.event for event in events]
    assert types[0] == "job.accepted"
    assert types[-1] == "job.finished"
    assert types.count("item.succeeded") == 2
    ids = [int(event.id) for event in events]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    payloads = [json.loads(event.data) for event in events]
    assert all(p["job_id"] == str(job_id) and p["schema"] == "event/1" for p in payloads)
    assert payloads[-1]["status"] == "succeeded"
    assert payloads[-1]["counts"]["succeeded"] == 2


async def test_resume_replays_exactly_the_missed_events_then_live_ones(gateway: Gateway) -> None:
    Echo = new_command_type()
    release = asyncio.Event()

    async def gated(command: Any, ctx: ItemContext) -> None:
        await ctx.progress("waiting")
        await release.wait()

    job_id = await submit(gateway, Echo, ["a", "b"])
    url = f"/api/jobs/{job_id}/events"
    resumed = []
    async with worker_for(gateway.bus, Echo, gated):
        stored = await read_sse(gateway.client, url, limit=5)  # accepted, 2 started, 2 progress
        last_seen = stored[1].id
        async with aconnect_sse(
            gateway.client, "GET", url, headers={"Last-Event-ID": last_seen}
        ) as source:
            events = source.aiter_sse()
            resumed += [await anext(events) for _ in range(3)]  # the three missed ones
            release.set()  # everything after this point is live
            resumed += [event async for event in events]
    everything = await read_sse(gateway.client, url)
    assert [e.id for e in resumed[:3]] == [e.id for e in stored[2:]]
    assert [e.id for e in resumed] == [e.id for e in everything if int(e.id) > int(last_seen)]
    assert resumed[-1].event == "job.finished"


@pytest.mark.parametrize("where", ["another replica", "after a restart"])
async def test_resume_on_a_gateway_that_never_read_the_job_is_exact(
    gateway: Gateway, settings: CommonSettings, database: Database, where: str
) -> None:
    Echo = new_command_type()
    release = asyncio.Event()

    async def gated(command: Any, ctx: ItemContext) -> None:
        await ctx.progress("waiting")
        await release.wait()

    if where == "another replica" and database.schema is None:
        pytest.skip("replicas share PostgreSQL: SQLite serves a single gateway (its projector)")
    job_id = await submit(gateway, Echo, ["a", "b"])
    url = f"/api/jobs/{job_id}/events"
    async with worker_for(gateway.bus, Echo, gated):
        seen = await read_sse(gateway.client, url, limit=5)
        last_seen = seen[2].id
        async with contextlib.AsyncExitStack() as replicas:
            target = gateway
            if where == "another replica":
                replica = running_gateway(gateway_settings(settings, database))
                target = await replicas.enter_async_context(replica)
            else:
                await gateway.services.feeds.close()  # the process forgets what it had read
            async with aconnect_sse(
                target.client, "GET", url, headers={"Last-Event-ID": last_seen}
            ) as source:
                events = source.aiter_sse()
                resumed = [await anext(events) for _ in range(2)]
                release.set()
                resumed += [event async for event in events]
    everything = await read_sse(gateway.client, url)
    after = [e.id for e in everything if int(e.id) > int(last_seen)]
    assert [e.id for e in resumed] == after, "exactly the events after Last-Event-ID"
    assert resumed[-1].event == "job.finished"


async def test_resume_after_the_end_returns_nothing(gateway: Gateway) -> None:
    Echo = new_command_type()
    job_id = await submit(gateway, Echo, ["a"])
    async with worker_for(gateway.bus, Echo, two_steps):
        events = await read_sse(gateway.client, f"/api/jobs/{job_id}/events")
    after_end = await read_sse(
        gateway.client, f"/api/jobs/{job_id}/events", last_event_id=events[-1].id
    )
    assert after_end == []


async def test_bad_last_event_id_is_refused(gateway: Gateway) -> None:
    job_id = await submit(gateway, new_command_type(), ["a"])
    response = await gateway.client.get(
        f"/api/jobs/{job_id}/events", headers={"Last-Event-ID": "yesterday"}
    )
    assert response.status_code == 422
    assert "Last-Event-ID" in response.json()["detail"]


async def followers_of(gateway: Gateway, job_id: UUID) -> int:
    """Consumers reading this job's events (the stream is shared with other tests)."""
    consumers = await gateway.bus.js.consumers_info(EVENTS_STREAM)
    return sum(info.config.filter_subject == job_events(job_id) for info in consumers)


async def test_client_disconnect_releases_its_consumer(gateway: Gateway) -> None:
    job_id = await submit(gateway, new_command_type(), ["never-runs"])
    assert await followers_of(gateway, job_id) == 0
    async with (
        httpx.AsyncClient(base_url=gateway.url, timeout=10) as client,
        aconnect_sse(client, "GET", f"/api/jobs/{job_id}/events") as source,
    ):
        first = await anext(source.aiter_sse())
        assert first.event == "job.accepted"
        assert await followers_of(gateway, job_id) == 1
    deadline = asyncio.get_running_loop().time() + 10
    while await followers_of(gateway, job_id) != 0:
        assert asyncio.get_running_loop().time() < deadline, "the SSE consumer was not released"
        await asyncio.sleep(0.05)


async def test_dashboard_stream_sees_every_job_and_resumes(gateway: Gateway) -> None:
    Echo = new_command_type()
    async with (
        httpx.AsyncClient(base_url=gateway.url, timeout=20) as client,
        aconnect_sse(client, "GET", "/api/events") as source,
    ):
        stream = source.aiter_sse()
        jobs = [await submit(gateway, Echo, ["a"]) for _ in range(2)]
        seen = [await anext(stream) for _ in range(2)]
    assert [json.loads(event.data)["job_id"] for event in seen] == [str(j) for j in jobs]
    assert all(event.event == "job.accepted" for event in seen)
    resumed = await read_sse(gateway.client, "/api/events", last_event_id=seen[0].id, limit=1)
    assert resumed[0].id == seen[1].id


async def test_clients_of_one_job_share_one_reader(gateway: Gateway) -> None:
    job_id = await submit(gateway, new_command_type(), ["never-runs"])
    url = f"/api/jobs/{job_id}/events"
    async with (
        httpx.AsyncClient(base_url=gateway.url, timeout=10) as client,
        aconnect_sse(client, "GET", url) as first,
        aconnect_sse(client, "GET", url) as second,
    ):
        assert (await anext(first.aiter_sse())).event == "job.accepted"
        assert (await anext(second.aiter_sse())).event == "job.accepted"
        assert await followers_of(gateway, job_id) == 1
