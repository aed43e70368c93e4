"""No job is stuck: commands NATS could not take wait in the outbox until it is back, a cancel
ends such a job at once, and items nobody reports on are queued again or failed with a reason."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import select

from actormaker.common.bus import Bus, ItemContext
from actormaker.common.settings import CommonSettings
from actormaker.devstack.nats_server import NatsServer
from actormaker.gateway.models import CommandOutbox
from actormaker.gateway.reconciler import Reconciler
from tests.gateway.conftest import Database, Gateway, gateway_settings, running_gateway
from tests.gateway.helpers import job_when_final, new_command_type, read_sse, submit, worker_for


def reconciler_of(gateway: Gateway, *, stuck_after: float = 3600.0) -> Reconciler:
    services = gateway.services
    return Reconciler(
        services.bus, services.sessions, interval=0.2, outbox_after=0.0, stuck_after=stuck_after
    )


async def outbox_of(gateway: Gateway, job_id: UUID) -> list[CommandOutbox]:
    async with gateway.services.sessions() as session:
        query = select(CommandOutbox).where(CommandOutbox.job_id == job_id)
        return list((await session.exec(query)).all())


@pytest.fixture
async def own_nats_gateway(
    private_nats: NatsServer, settings: CommonSettings, database: Database
) -> AsyncIterator[tuple[Gateway, NatsServer]]:
    own = settings.model_copy(update={"nats_url": private_nats.url})
    configured = gateway_settings(own, database, publish_deadline_s=0.5)
    async with running_gateway(configured) as gateway:
        yield gateway, private_nats


async def test_a_job_made_while_nats_is_down_is_queued_once_it_is_back(
    own_nats_gateway: tuple[Gateway, NatsServer],
) -> None:
    gateway, nats = own_nats_gateway
    Echo = new_command_type()
    await nats.kill()

    job_id = await submit(gateway, Echo, ["a.jpg", "b.jpg"])

    recorded = (await gateway.client.get(f"/api/jobs/{job_id}")).json()
    assert recorded["status"] == "queued"
    assert len(await outbox_of(gateway, job_id)) == 2, "the commands wait in the outbox"
    await nats.start()
    await asyncio.wait_for(_until_connected(gateway.bus), 20)
    reconciled = await reconciler_of(gateway).run_once()

    async def echo(command: Any, ctx: ItemContext) -> None:
        return None

    async with worker_for(gateway.bus, Echo, echo):
        job = await job_when_final(gateway, job_id, within=30)
    assert reconciled.queued == 2
    assert job["status"] == "succeeded"
    assert await outbox_of(gateway, job_id) == []
    events = await read_sse(gateway.client, f"/api/jobs/{job_id}/events")
    assert [e.event for e in events].count("job.accepted") == 1


async def test_a_job_that_never_reached_nats_is_ended_by_a_cancel(
    own_nats_gateway: tuple[Gateway, NatsServer],
) -> None:
    gateway, nats = own_nats_gateway
    await nats.kill()
    job_id = await submit(gateway, new_command_type(), ["a.jpg", "b.jpg"])

    response = await gateway.client.post(f"/api/jobs/{job_id}/cancel")

    assert response.status_code == 202, response.text
    job = (await gateway.client.get(f"/api/jobs/{job_id}")).json()
    assert job["status"] == "cancelled"
    assert {item["status"] for item in job["items"]} == {"cancelled"}
    assert await outbox_of(gateway, job_id) == []
    await nats.start()
    await asyncio.wait_for(_until_connected(gateway.bus), 20)  # so the gateway stops cleanly


async def test_an_item_nobody_picked_up_is_queued_again(gateway: Gateway) -> None:
    Echo = new_command_type()
    job_id = await submit(gateway, Echo, ["late.jpg"])
    await asyncio.sleep(0.3)

    reconciled = await reconciler_of(gateway, stuck_after=0.2).run_once()

    assert (reconciled.requeued, reconciled.failed) == (1, 0)
    again = await reconciler_of(gateway, stuck_after=0.2).run_once()
    assert again.requeued == 0, "a requeued item waits a whole deadline again"

    async def echo(command: Any, ctx: ItemContext) -> None:
        return None

    async with worker_for(gateway.bus, Echo, echo):
        job = await job_when_final(gateway, job_id)
    assert job["status"] == "succeeded"
    [item] = job["items"]
    assert item["attempts"] == 1, "the repeat within the duplicate window was stored once"


async def test_an_item_running_without_word_fails_with_a_reason(gateway: Gateway) -> None:
    Echo = new_command_type()
    started = asyncio.Event()

    async def silent(command: Any, ctx: ItemContext) -> None:
        started.set()
        await asyncio.Event().wait()

    job_id = await submit(gateway, Echo, ["silent.jpg"])
    async with worker_for(gateway.bus, Echo, silent):
        await asyncio.wait_for(started.wait(), 10)
        await asyncio.sleep(0.5)
        reconciled = await reconciler_of(gateway, stuck_after=0.3).run_once()
        job = await job_when_final(gateway, job_id)

    assert reconciled.failed == 1
    assert job["status"] == "failed"
    [item] = job["items"]
    assert item["error"].startswith("no word from any worker for")


async def _until_connected(bus: Bus) -> None:
    while not bus.nc.is_connected:  # noqa: ASYNC110 - nats-py offers no event for it
        await asyncio.sleep(0.05)
