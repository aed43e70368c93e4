"""The webhook route: a per-step token (and for Replicate a signature) or nothing happens; a
valid webhook only nudges the waiting worker, duplicates and late ones change nothing."""

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

import pytest

from actormaker.common.bus import Bus
from actormaker.common.ledger import ProviderLedger, new_token, token_digest
from actormaker.common.providers.signatures import sign_replicate
from actormaker.common.schemas import utcnow
from actormaker.common.schemas.provider_jobs import StepRecord, StepState
from actormaker.common.settings import CommonSettings
from actormaker.common.subjects import provider_nudge
from actormaker.gateway.webhooks import REFUSED
from tests.gateway.conftest import Database, Gateway, gateway_settings, running_gateway

SECRET = "whsec_" + base64.b64encode(b"a replicate account's signing key").decode()


async def recorded_step(
    bus: Bus,
    settings: CommonSettings,
    *,
    provider: str = "RunPod",
    state: StepState = StepState.SUBMITTED,
) -> tuple[StepRecord, str]:
    """A step a worker is waiting on, and the token of its webhook URL."""
    token = new_token()
    record = StepRecord(
        job_id=uuid4(),
        item_id=uuid4(),
        step="render",
        state=state,
        provider=provider,
        provider_job_id="job-1-e1",
        submitted_at=utcnow(),
        updated_at=utcnow(),
        webhook_digests=(token_digest(token),),
    )
    ledger = await ProviderLedger.open(bus.js, settings)
    await ledger.put(record)
    return record, token


def path(record: StepRecord, provider: str = "runpod") -> str:
    return f"/api/webhooks/{provider}/{record.job_id}/{record.item_id}/{record.step}"


async def report(
    gateway: Gateway, record: StepRecord, token: str, *, job_id: str = "job-1-e1"
) -> dict[str, str]:
    """POST what RunPod would about `job_id`; the route's 200 answer."""
    response = await gateway.client.post(
        path(record), params={"token": token}, json={"id": job_id, "status": "COMPLETED"}
    )
    assert response.status_code == 200, response.text
    return response.json()


@asynccontextmanager
async def nudges_for(bus: Bus, record: StepRecord) -> AsyncIterator[list[bytes]]:
    heard: list[bytes] = []

    async def hear(msg: object) -> None:
        heard.append(b"")

    subscription = await bus.nc.subscribe(provider_nudge(record.key), cb=hear)
    await bus.nc.flush()
    try:
        yield heard
    finally:
        await asyncio.sleep(0.2)  # anything sent has arrived by now
        await subscription.unsubscribe()


async def test_a_webhook_with_its_token_nudges_the_waiting_worker(
    gateway: Gateway, bus: Bus, settings: CommonSettings
) -> None:
    record, token = await recorded_step(bus, settings)

    async with nudges_for(bus, record) as heard:
        answer = await report(gateway, record, token)

    assert answer["outcome"] == "accepted"
    assert len(heard) == 1


@pytest.mark.parametrize("forgery", ["wrong token", "no token", "unknown step", "other provider"])
async def test_forged_or_unknown_webhooks_are_refused_alike_and_change_nothing(
    gateway: Gateway, bus: Bus, settings: CommonSettings, forgery: str
) -> None:
    record, token = await recorded_step(bus, settings)
    url, params = path(record), {"token": token}
    if forgery == "wrong token":
        params = {"token": new_token()}
    elif forgery == "no token":
        params = {}
    elif forgery == "unknown step":
        url = f"/api/webhooks/runpod/{uuid4()}/{uuid4()}/render"
    else:
        url = path(record, "replicate")

    async with nudges_for(bus, record) as heard:
        response = await gateway.client.post(url, params=params, json={"status": "COMPLETED"})

    assert response.status_code == 403
    assert response.json() == {"detail": REFUSED}
    assert heard == []
    ledger = await ProviderLedger.open(bus.js, settings)
    stored = await ledger.get(record)
    assert stored is not None
    assert stored.record == record


async def test_a_malformed_step_address_is_refused_like_any_other(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/api/webhooks/runpod/not-a-job/../render", params={"token": "x"}, content=b"{}"
    )
    assert response.status_code in (403, 404)
    refused = await gateway.client.post(
        "/api/webhooks/runpod/not-a-job/not-an-item/render", params={"token": "x"}, content=b"{}"
    )
    assert (refused.status_code, refused.json()) == (403, {"detail": REFUSED})


@pytest.mark.parametrize("state", [StepState.SUCCEEDED, StepState.FAILED, StepState.ABANDONED])
async def test_a_late_or_duplicate_webhook_gets_2xx_and_changes_nothing(
    gateway: Gateway, bus: Bus, settings: CommonSettings, state: StepState
) -> None:
    record, token = await recorded_step(bus, settings, state=state)

    async with nudges_for(bus, record) as heard:
        answer = await report(gateway, record, token)

    assert answer["outcome"] == "ignored"
    assert heard == []


async def test_a_webhook_about_an_earlier_provider_job_of_the_step_is_ignored(
    gateway: Gateway, bus: Bus, settings: CommonSettings
) -> None:
    record, token = await recorded_step(bus, settings)

    async with nudges_for(bus, record) as heard:
        answer = await report(gateway, record, token, job_id="job-0-e1")

    assert answer["outcome"] == "ignored"
    assert heard == []


@pytest.fixture
async def replicate_gateway(settings: CommonSettings, database: Database) -> AsyncIterator[Gateway]:
    configured = gateway_settings(settings, database, replicate_webhook_secret=SECRET)
    async with running_gateway(configured) as running:
        yield running


def signed_headers(body: bytes, *, secret: str = SECRET, age_s: int = 0) -> dict[str, str]:
    webhook_id, timestamp = f"msg_{uuid4().hex}", int(time.time()) - age_s
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_replicate(secret, webhook_id, timestamp, body),
        "content-type": "application/json",
    }


async def test_a_replicate_webhook_needs_a_valid_recent_signature(
    replicate_gateway: Gateway, bus: Bus, settings: CommonSettings
) -> None:
    record, token = await recorded_step(bus, settings, provider="Replicate")
    body = json.dumps({"id": "job-1-e1", "status": "succeeded"}).encode()
    other_secret = "whsec_" + base64.b64encode(b"somebody else's key").decode()
    refused = {
        "unsigned": {"content-type": "application/json"},
        "signed with another secret": signed_headers(body, secret=other_secret),
        "too old": signed_headers(body, age_s=3600),
        "another body": signed_headers(b'{"id": "job-1-e1", "status": "failed"}'),
    }

    async with nudges_for(bus, record) as heard:
        for case, headers in refused.items():
            response = await replicate_gateway.client.post(
                path(record, "replicate"), params={"token": token}, content=body, headers=headers
            )
            assert (response.status_code, response.json()) == (403, {"detail": REFUSED}), case
        assert heard == []
        accepted = await replicate_gateway.client.post(
            path(record, "replicate"),
            params={"token": token},
            content=body,
            headers=signed_headers(body),
        )

    assert accepted.status_code == 200, accepted.text
    assert len(heard) == 1


async def test_replicate_webhooks_are_refused_without_a_configured_secret(
    gateway: Gateway, bus: Bus, settings: CommonSettings
) -> None:
    record, token = await recorded_step(bus, settings, provider="Replicate")
    body = b'{"id": "job-1-e1", "status": "succeeded"}'

    response = await gateway.client.post(
        path(record, "replicate"),
        params={"token": token},
        content=body,
        headers=signed_headers(body),
    )

    assert response.status_code == 403
