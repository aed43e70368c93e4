"""Failures of the parts around a job: NATS restarting, workers dying on every delivery."""

import asyncio
from typing import Any

from actormaker.common.bus import Bus, DeliveryPolicy, ItemContext, Worker
from actormaker.common.settings import CommonSettings
from actormaker.devstack.nats_server import NatsServer
from tests.gateway.conftest import Database, Gateway, gateway_settings, running_gateway
from tests.gateway.helpers import job_when_final, new_command_type, read_sse, submit, worker_for


async def test_job_finishes_across_a_nats_restart(
    private_nats: NatsServer, settings: CommonSettings, database: Database
) -> None:
    own = settings.model_copy(update={"nats_url": private_nats.url})
    Echo = new_command_type()
    first_done = asyncio.Event()

    async def steady(command: Any, ctx: ItemContext) -> None:
        await asyncio.sleep(0.2)
        first_done.set()

    async with running_gateway(gateway_settings(own, database)) as gateway:
        worker_bus = await Bus.connect(own, name="worker")
        job_id = await submit(gateway, Echo, [f"img-{i}" for i in range(8)])
        follower = asyncio.create_task(
            read_sse(gateway.client, f"/api/jobs/{job_id}/events", within=60)
        )
        async with worker_for(worker_bus, Echo, steady):
            await asyncio.wait_for(first_done.wait(), 10)
            await private_nats.restart()
            events = await follower
            job = await job_when_final(gateway, job_id, within=60)
        await worker_bus.close()
    assert job["status"] == "succeeded"
    assert job["counts"]["succeeded"] == 8
    assert events[-1].event == "job.finished"
    ids = [int(event.id) for event in events]
    assert ids == sorted(set(ids))


async def test_item_fails_with_a_reason_when_every_delivery_dies(
    gateway: Gateway, settings: CommonSettings
) -> None:
    Echo = new_command_type()
    policy = DeliveryPolicy(ack_wait=1.0, max_deliver=2)
    picked_up = asyncio.Queue[int]()

    async def hang(command: Any, ctx: ItemContext) -> None:
        picked_up.put_nowait(ctx.attempt)
        await asyncio.Event().wait()

    job_id = await submit(gateway, Echo, ["doomed.jpg"])
    for expected_attempt in (1, 2):
        doomed_bus = await Bus.connect(settings, name=f"doomed-{expected_attempt}")
        worker = Worker(
            doomed_bus, service=Echo.SERVICE, handlers={Echo: hang}, policy=policy, shutdown_grace=0
        )
        await worker.start()
        assert await asyncio.wait_for(picked_up.get(), 15) == expected_attempt
        await doomed_bus.nc.close()  # dies mid-item: no ack, no nak, no heartbeat
        await worker.stop()
    job = await job_when_final(gateway, job_id, within=30)
    assert job["status"] == "failed"
    (item,) = job["items"]
    assert item["error"] == "gave up after 2 deliveries: no worker finished it in time"


async def test_worker_pool_shares_one_durable_consumer(gateway: Gateway) -> None:
    Echo = new_command_type()
    seen_by: dict[str, int] = {"a": 0, "b": 0}

    def counting(name: str) -> Any:
        async def handle(command: Any, ctx: ItemContext) -> None:
            seen_by[name] += 1
            await asyncio.sleep(0.05)

        return handle

    job_id = await submit(gateway, Echo, [f"img-{i}" for i in range(12)])
    async with (
        worker_for(gateway.bus, Echo, counting("a")),
        worker_for(gateway.bus, Echo, counting("b")),
    ):
        job = await job_when_final(gateway, job_id)
    assert job["counts"]["succeeded"] == 12
    assert sum(seen_by.values()) == 12
    assert min(seen_by.values()) > 0
