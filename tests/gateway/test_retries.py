"""Retrying a finished job's failed and cancelled items: a new job with the same work, new ids."""

import asyncio
from typing import Any
from uuid import uuid4

from actormaker.common.bus import ItemContext
from actormaker.common.errors import PermanentError
from actormaker.gateway.jobs import JobDraft, submit_job
from tests.gateway.conftest import Gateway
from tests.gateway.helpers import job_when_final, new_command_type, submit, worker_for


async def test_only_the_failed_items_run_again_with_their_own_fields(gateway: Gateway) -> None:
    Echo = new_command_type()
    draft = JobDraft(kind="test.echo")
    commands = [draft.command(Echo, key=key, text=f"text of {key}") for key in ("a", "b", "c")]
    async with gateway.services.sessions() as session:
        job = await submit_job(session, gateway.bus, draft, commands, request={"n": 3})
    seen: list[tuple[str, str]] = []
    flaky = {"b"}

    async def handler(command: Any, ctx: ItemContext) -> None:
        seen.append((command.item_key, command.text))
        if command.item_key in flaky:
            raise PermanentError(f"{command.item_key} broke")

    async with worker_for(gateway.bus, Echo, handler):
        first = await job_when_final(gateway, job.id)
        assert first["status"] == "partial"
        flaky.clear()
        answer = await gateway.client.post(f"/api/jobs/{job.id}/retry")
        assert answer.status_code == 202, answer.text
        retried = await job_when_final(gateway, answer.json()["job_id"])

    assert retried["status"] == "succeeded"
    assert retried["kind"] == "test.echo"
    assert retried["request"] == {"retry_of": str(job.id), "items": ["b"]}
    assert [item["key"] for item in retried["items"]] == ["b"]
    assert {item["id"] for item in retried["items"]}.isdisjoint(i["id"] for i in first["items"])
    assert seen.count(("b", "text of b")) == 2, "the stored command, fields and all, ran again"


async def test_a_retry_is_refused_saying_why(gateway: Gateway) -> None:
    Echo = new_command_type()
    missing = await gateway.client.post(f"/api/jobs/{uuid4()}/retry")
    assert missing.status_code == 404

    async def ok(command: Any, ctx: ItemContext) -> None:
        return None

    done = await submit(gateway, Echo, ["a"])
    async with worker_for(gateway.bus, Echo, ok):
        await job_when_final(gateway, done)
    nothing = await gateway.client.post(f"/api/jobs/{done}/retry")
    assert nothing.status_code == 409
    assert "no failed or cancelled item" in nothing.json()["detail"]

    running = asyncio.Event()

    async def hold(command: Any, ctx: ItemContext) -> None:
        running.set()
        while True:
            await ctx.raise_if_cancelled()
            await asyncio.sleep(0.05)

    busy = await submit(gateway, Echo, ["slow"])
    async with worker_for(gateway.bus, Echo, hold):
        await asyncio.wait_for(running.wait(), 10)
        still = await gateway.client.post(f"/api/jobs/{busy}/retry")
        assert still.status_code == 409
        assert "wait for it to end" in still.json()["detail"]
        await gateway.client.post(f"/api/jobs/{busy}/cancel")
        await job_when_final(gateway, busy)

    training = await submit(gateway, Echo, ["v1"], kind="training.lora")
    refused = await gateway.client.post(f"/api/jobs/{training}/retry")
    assert refused.status_code == 409
    assert "new training version" in refused.json()["detail"]
