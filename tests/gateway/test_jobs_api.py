"""The job API over HTTP: reading, listing, cancelling, idempotency, auth and bad input."""

import asyncio
from typing import Any
from uuid import uuid4

import pytest

from actormaker.common.bus import ItemContext
from actormaker.common.settings import CommonSettings
from actormaker.gateway.errors import Conflict
from tests.gateway.conftest import Database, Gateway, gateway_settings, running_gateway
from tests.gateway.helpers import job_when_final, new_command_type, submit, worker_for


async def ok(command: Any, ctx: ItemContext) -> None:
    await ctx.progress("halfway", fraction=0.5)


async def test_job_runs_to_success_with_items_and_counts(gateway: Gateway) -> None:
    Echo = new_command_type()
    job_id = await submit(gateway, Echo, ["a.jpg", "b.jpg", "c.jpg"])
    async with worker_for(gateway.bus, Echo, ok):
        job = await job_when_final(gateway, job_id)
    assert job["status"] == "succeeded"
    assert job["counts"] == {
        "total": 3,
        "queued": 0,
        "running": 0,
        "succeeded": 3,
        "failed": 0,
        "cancelled": 0,
    }
    assert [item["key"] for item in job["items"]] == ["a.jpg", "b.jpg", "c.jpg"]
    assert all(item["attempts"] == 1 and item["progress"] == 1.0 for item in job["items"])


async def test_unknown_job_is_404_and_malformed_id_422(gateway: Gateway) -> None:
    missing = await gateway.client.get(f"/api/jobs/{uuid4()}")
    assert missing.status_code == 404
    assert "job not found" in missing.json()["detail"]
    assert (await gateway.client.get(f"/api/jobs/{uuid4()}/events")).status_code == 404
    assert (await gateway.client.post(f"/api/jobs/{uuid4()}/cancel")).status_code == 404
    malformed = await gateway.client.get("/api/jobs/not-a-uuid")
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["path", "job_id"]


async def test_list_filters_by_kind_and_status_and_pages_by_cursor(gateway: Gateway) -> None:
    Echo = new_command_type()
    kind = f"test.{uuid4().hex[:8]}"
    ids = [await submit(gateway, Echo, ["x"], kind=kind) for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"kind": kind, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await gateway.client.get("/api/jobs", params=params)).json()
        seen += [job["id"] for job in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(job_id) for job_id in reversed(ids)]
    queued = await gateway.client.get("/api/jobs", params={"kind": kind, "status": "succeeded"})
    assert queued.json()["data"] == []
    bad = await gateway.client.get("/api/jobs", params={"cursor": "nonsense!"})
    assert bad.status_code == 422
    assert "invalid cursor" in bad.json()["detail"]
    assert (await gateway.client.get("/api/jobs", params={"status": "asleep"})).status_code == 422


async def test_cancel_stops_a_running_job(gateway: Gateway) -> None:
    Echo = new_command_type()
    started = asyncio.Event()

    async def slow(command: Any, ctx: ItemContext) -> None:
        started.set()
        while True:
            await ctx.raise_if_cancelled()
            await asyncio.sleep(0.05)

    job_id = await submit(gateway, Echo, [f"item-{i}" for i in range(4)])
    async with worker_for(gateway.bus, Echo, slow):
        await asyncio.wait_for(started.wait(), 10)
        response = await gateway.client.post(f"/api/jobs/{job_id}/cancel")
        assert response.status_code == 202
        assert response.json()["status_url"] == f"/api/jobs/{job_id}"
        job = await job_when_final(gateway, job_id)
    assert job["status"] == "cancelled"
    assert job["cancel_requested"] is True
    assert job["counts"]["cancelled"] == 4
    again = await gateway.client.post(f"/api/jobs/{job_id}/cancel")
    assert again.status_code == 409
    assert "already cancelled" in again.json()["detail"]


async def test_idempotency_key_returns_the_same_job(gateway: Gateway) -> None:
    Echo = new_command_type()
    key = f"key-{uuid4()}"
    first = await submit(gateway, Echo, ["a"], idempotency_key=key)
    second = await submit(gateway, Echo, ["a"], idempotency_key=key)
    assert first == second
    listed = await gateway.client.get("/api/jobs", params={"kind": "test.echo", "limit": 200})
    assert [job["id"] for job in listed.json()["data"]].count(str(first)) == 1


async def test_idempotency_key_reused_for_another_request_is_refused(gateway: Gateway) -> None:
    Echo = new_command_type()
    key = f"key-{uuid4()}"
    await submit(gateway, Echo, ["a"], idempotency_key=key)
    with pytest.raises(Conflict, match="already used for a different request"):
        await submit(gateway, Echo, ["b"], idempotency_key=key)


async def test_empty_job_is_finished_at_once(gateway: Gateway) -> None:
    job_id = await submit(gateway, new_command_type(), [])
    job = await job_when_final(gateway, job_id)
    assert job["status"] == "succeeded"
    assert job["counts"]["total"] == 0


async def test_api_key_is_required_when_set(settings: CommonSettings, database: Database) -> None:
    secured = gateway_settings(settings, database, api_key="s3cret-key")
    async with running_gateway(secured) as gateway:
        client = gateway.client
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        missing = await client.get("/api/jobs")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert "API key" in missing.json()["detail"]
        wrong = await client.get("/api/jobs", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await client.get("/api/jobs", headers={"Authorization": "Bearer s3cret-key"})
        assert right.status_code == 200


async def test_oversized_body_is_refused(settings: CommonSettings, database: Database) -> None:
    small = gateway_settings(settings, database, max_body_bytes=1024)
    async with running_gateway(small) as gateway:
        response = await gateway.client.post(f"/api/jobs/{uuid4()}/cancel", content=b"x" * 4096)
        assert response.status_code == 413
        assert "too large" in response.json()["detail"]

        async def chunks():
            for _ in range(8):
                yield b"y" * 512

        # No Content-Length: the limit must hold while the body is read, on a route that reads it.
        streamed = await gateway.client.post(
            "/api/actors/import", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        assert "too large" in streamed.json()["detail"]


async def test_readyz_reports_a_lost_nats_connection(gateway: Gateway) -> None:
    assert (await gateway.client.get("/readyz")).json() == {
        "ready": True,
        "nats": "ok",
        "database": "ok",
    }
    await gateway.bus.nc.close()
    response = await gateway.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["nats"] == "disconnected"
