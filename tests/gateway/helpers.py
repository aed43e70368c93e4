"""Jobs, workers and SSE readers for gateway tests."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import httpx
from httpx_sse import ServerSentEvent, aconnect_sse

from actormaker.common.bus import Bus, DeliveryPolicy, Handler, Worker
from actormaker.common.schemas import Command, JobStatus
from actormaker.gateway.jobs import JobDraft, submit_job
from tests.common.bus.helpers import command_type, unique_service
from tests.gateway.conftest import Gateway

FAST = DeliveryPolicy(ack_wait=1.0, max_deliver=3, backoff=(0.2,))


async def submit(
    gateway: Gateway,
    command: type[Command],
    keys: Sequence[str],
    *,
    kind: str = "test.echo",
    idempotency_key: str | None = None,
    request: dict[str, Any] | None = None,
) -> UUID:
    """Create a job through the gateway's own job helper, as a feature route does."""
    draft = JobDraft(kind=kind)
    commands = [draft.command(command, key=key) for key in keys]
    async with gateway.services.sessions() as session:
        job = await submit_job(
            session,
            gateway.bus,
            draft,
            commands,
            request=request or {"keys": list(keys)},
            idempotency_key=idempotency_key,
        )
    return job.id


@asynccontextmanager
async def worker_for(bus: Bus, command: type[Command], handler: Handler) -> AsyncIterator[Worker]:
    worker = Worker(
        bus, service=command.SERVICE, handlers={command: handler}, policy=FAST, fetch_timeout=0.5
    )
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


def new_command_type() -> type[Command]:
    return command_type(unique_service())


async def read_sse(
    client: httpx.AsyncClient,
    url: str,
    *,
    last_event_id: str | None = None,
    limit: int | None = None,
    within: float = 20.0,
) -> list[ServerSentEvent]:
    """Read an SSE stream until it ends (or `limit` events arrived)."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    received: list[ServerSentEvent] = []

    async def read() -> None:
        async with aconnect_sse(client, "GET", url, headers=headers) as source:
            source.response.raise_for_status()
            async for event in source.aiter_sse():
                if not event.data:
                    continue  # a keep-alive comment, which httpx-sse hands over as an empty event
                received.append(event)
                if limit is not None and len(received) >= limit:
                    return

    await asyncio.wait_for(read(), within)
    return received


async def job_when_final(gateway: Gateway, job_id: UUID, within: float = 20.0) -> dict[str, Any]:
    """The job's JSON once it has finished, read after its event stream ends."""
    await read_sse(gateway.client, f"/api/jobs/{job_id}/events", within=within)
    response = await gateway.client.get(f"/api/jobs/{job_id}")
    body = response.json()
    assert JobStatus(body["status"]).is_final, body
    return body
