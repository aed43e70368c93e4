"""API keys: created once and shown once, stored hashed, good for their scopes only, revoked at
once, rate limited with Retry-After; CORS for the console; the `keys` command."""

import asyncio
import hashlib
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import httpx
from sqlalchemy import text

from actormaker.common.settings import CommonSettings
from tests.gateway.conftest import Database, Gateway, gateway_settings, running_gateway
from tests.processes import settings_env

BOOTSTRAP_KEY = "bootstrap-key-for-tests-0123456789abcdef"
CONSOLE = "https://console.example.com"
A_FILE = "/api/files/resources/input_images/missing.jpg"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


BOOTSTRAP = bearer(BOOTSTRAP_KEY)


@asynccontextmanager
async def secured_gateway(
    settings: CommonSettings, database: Database, **overrides: object
) -> AsyncIterator[Gateway]:
    configured = gateway_settings(settings, database, api_key=BOOTSTRAP_KEY, **overrides)
    async with running_gateway(configured) as gateway:
        yield gateway


async def new_key(client: httpx.AsyncClient, *scopes: str, **fields: Any) -> dict[str, Any]:
    body = {"name": f"key-{uuid4().hex[:8]}", "scopes": list(scopes), **fields}
    response = await client.post("/api/admin/keys", json=body, headers=BOOTSTRAP)
    assert response.status_code == 201, response.text
    return response.json()


async def listed(client: httpx.AsyncClient, key_id: str) -> dict[str, Any]:
    response = await client.get("/api/admin/keys", headers=BOOTSTRAP)
    assert response.status_code == 200, response.text
    return next(entry for entry in response.json()["data"] if entry["id"] == key_id)


async def test_a_new_key_is_shown_once_and_never_listed(
    settings: CommonSettings, database: Database
) -> None:
    async with secured_gateway(settings, database) as gateway:
        created = await new_key(gateway.client, "read")
        listing = await gateway.client.get("/api/admin/keys", headers=BOOTSTRAP)

    key = created["key"]
    assert key.startswith("am_")
    assert len(key) >= 32
    assert key.startswith(created["prefix"])
    assert created["scopes"] == ["read"]
    assert created["revoked_at"] is None
    assert key not in listing.text
    entry = next(entry for entry in listing.json()["data"] if entry["id"] == created["id"])
    assert "key" not in entry
    assert entry["prefix"] == created["prefix"]


async def test_only_the_hash_of_a_key_is_stored(
    settings: CommonSettings, database: Database
) -> None:
    async with secured_gateway(settings, database) as gateway:
        created = await new_key(gateway.client, "write")
        async with gateway.services.engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT * FROM api_key WHERE name = :name"), {"name": created["name"]}
                )
            ).one()

    key = created["key"]
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert all(key not in str(value) for value in row)


async def test_a_key_may_do_what_its_scopes_allow_and_no_more(
    settings: CommonSettings, database: Database
) -> None:
    async with secured_gateway(settings, database) as gateway:
        client = gateway.client
        reader = bearer((await new_key(client, "read"))["key"])
        writer = bearer((await new_key(client, "write"))["key"])
        admin = bearer((await new_key(client, "admin"))["key"])
        cancel = f"/api/jobs/{uuid4()}/cancel"

        assert (await client.get("/api/jobs", headers=reader)).status_code == 200
        assert (await client.get(A_FILE, headers=reader)).status_code == 404  # past the key
        refused = await client.post(cancel, headers=reader)
        assert refused.status_code == 403
        assert "write scope" in refused.json()["detail"]

        assert (await client.get("/api/jobs", headers=writer)).status_code == 200  # write ⊇ read
        assert (await client.post(cancel, headers=writer)).status_code == 404  # no such job
        for headers in (reader, writer):
            not_admin = await client.get("/api/admin/keys", headers=headers)
            assert not_admin.status_code == 403
            assert "admin scope" in not_admin.json()["detail"]

        assert (await client.get("/api/admin/keys", headers=admin)).status_code == 200
        assert (await client.post(cancel, headers=admin)).status_code == 404


async def test_a_revoked_key_is_refused_like_an_unknown_one(
    settings: CommonSettings, database: Database
) -> None:
    async with secured_gateway(settings, database) as gateway:
        client = gateway.client
        created = await new_key(client, "read")
        key = bearer(created["key"])
        assert (await client.get("/api/jobs", headers=key)).status_code == 200

        revoked = await client.delete(f"/api/admin/keys/{created['id']}", headers=BOOTSTRAP)
        assert revoked.status_code == 204
        after = await client.get("/api/jobs", headers=key)
        unknown = await client.get("/api/jobs", headers=bearer(f"am_{uuid4().hex}{uuid4().hex}"))
        assert after.status_code == unknown.status_code == 401
        assert after.json() == unknown.json()
        assert (await client.get(A_FILE, headers=key)).status_code == 401
        assert (await listed(client, created["id"]))["revoked_at"] is not None

        again = await client.delete(f"/api/admin/keys/{created['id']}", headers=BOOTSTRAP)
        assert again.status_code == 204
        missing = await client.delete(f"/api/admin/keys/{uuid4()}", headers=BOOTSTRAP)
        assert missing.status_code == 404


async def test_a_name_is_never_used_twice(settings: CommonSettings, database: Database) -> None:
    async with secured_gateway(settings, database) as gateway:
        created = await new_key(gateway.client, "read")
        await gateway.client.delete(f"/api/admin/keys/{created['id']}", headers=BOOTSTRAP)
        body = {"name": created["name"], "scopes": ["read"]}
        again = await gateway.client.post("/api/admin/keys", json=body, headers=BOOTSTRAP)

    assert again.status_code == 409
    assert "exists already" in again.json()["detail"]


async def test_last_use_is_recorded(settings: CommonSettings, database: Database) -> None:
    async with secured_gateway(settings, database) as gateway:
        created = await new_key(gateway.client, "read")
        assert (await listed(gateway.client, created["id"]))["last_used_at"] is None

        await gateway.client.get("/api/jobs", headers=bearer(created["key"]))

        assert (await listed(gateway.client, created["id"]))["last_used_at"] is not None


async def test_keys_over_their_rate_get_429_with_retry_after_and_recover(
    settings: CommonSettings, database: Database
) -> None:
    async with secured_gateway(settings, database, api_rate_limit_per_minute=3) as gateway:
        client = gateway.client
        created = await new_key(client, "read", rate_limit_per_minute=60)
        for _ in range(2):  # the bootstrap key's other two of three
            assert (await client.get("/api/jobs", headers=BOOTSTRAP)).status_code == 200
        limited = await client.get("/api/jobs", headers=BOOTSTRAP)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1

        key = bearer(created["key"])
        admitted, refused = await requests_until_refused(client, key, most=200)
        assert admitted >= 60  # its own limit, not the gateway's
        assert refused.headers["retry-after"] == "1"  # one a second comes back
        assert "over its 60 requests a minute" in refused.json()["detail"]
        assert await admitted_again_within(client, key, seconds=5)


async def requests_until_refused(
    client: httpx.AsyncClient, headers: dict[str, str], *, most: int
) -> tuple[int, httpx.Response]:
    for admitted in range(most):
        response = await client.get("/api/jobs", headers=headers)
        if response.status_code == 429:
            return admitted, response
        assert response.status_code == 200, response.text
    raise AssertionError(f"{most} requests and no 429")


async def admitted_again_within(
    client: httpx.AsyncClient, headers: dict[str, str], *, seconds: float
) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (await client.get("/api/jobs", headers=headers)).status_code == 200:
            return True
        await asyncio.sleep(0.2)
    return False


async def test_without_api_key_nothing_is_checked_or_limited(
    settings: CommonSettings, database: Database
) -> None:
    open_settings = gateway_settings(settings, database, api_rate_limit_per_minute=1)
    async with running_gateway(open_settings) as gateway:
        answers = [await gateway.client.get("/api/admin/keys") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]


async def test_cors_answers_the_console_only(settings: CommonSettings, database: Database) -> None:
    async with secured_gateway(settings, database, cors_origins=[CONSOLE]) as gateway:
        client = gateway.client
        asked = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        }
        preflight = await client.options("/api/jobs", headers={"Origin": CONSOLE, **asked})
        stranger = await client.options(
            "/api/jobs", headers={"Origin": "https://evil.example.com", **asked}
        )
        refused = await client.get("/api/jobs", headers={"Origin": CONSOLE})
        answered = await client.get("/api/jobs", headers={"Origin": CONSOLE, **BOOTSTRAP})

    assert preflight.status_code == 200  # before any key is asked for
    assert preflight.headers["access-control-allow-origin"] == CONSOLE
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"authorization", "idempotency-key", "last-event-id"} <= set(allowed.split(", "))
    assert "access-control-allow-origin" not in stranger.headers
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == CONSOLE  # the page can read why
    assert answered.headers["access-control-allow-origin"] == CONSOLE
    assert "retry-after" in answered.headers["access-control-expose-headers"].lower()


async def test_a_key_made_with_the_command_works_until_revoked_with_it(
    settings: CommonSettings, database: Database
) -> None:
    configured = gateway_settings(settings, database, api_key=BOOTSTRAP_KEY, api_key_cache_s=0)
    env = settings_env(configured)
    made = await command(
        env, "keys", "create", "--name", "ci", "--scope", "read", "--scope", "write"
    )
    key = made.stdout.strip()
    assert key.startswith("am_"), made

    async with running_gateway(configured) as gateway:
        client = gateway.client
        assert (await client.get("/api/jobs", headers=bearer(key))).status_code == 200
        cancel = await client.post(f"/api/jobs/{uuid4()}/cancel", headers=bearer(key))
        assert cancel.status_code == 404
        assert (await client.get("/api/admin/keys", headers=bearer(key))).status_code == 403

        listing = await command(env, "keys", "list")
        assert "ci" in listing.stdout
        assert key not in listing.stdout + listing.stderr
        key_id = next(UUID(word) for word in listing.stdout.split() if len(word) == 36)
        await command(env, "keys", "revoke", str(key_id))

        # Another process revoked it: with API_KEY_CACHE_S=0 the gateway reads it again at once.
        assert (await client.get("/api/jobs", headers=bearer(key))).status_code == 401


@dataclass(frozen=True)
class CommandRun:
    returncode: int | None
    stdout: str
    stderr: str


async def command(env: dict[str, str], *args: str) -> CommandRun:
    """`python -m actormaker.gateway *args`, which must succeed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "actormaker.gateway",
        *args,
        env={"PATH": os.environ["PATH"], **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    run = CommandRun(process.returncode, stdout.decode(), stderr.decode())
    assert run.returncode == 0, run
    return run


async def test_event_streams_alone_take_the_key_in_the_query(
    settings: CommonSettings, database: Database
) -> None:
    # EventSource cannot send headers: the console passes the key as access_token (ADR 0012).
    async with secured_gateway(settings, database) as gateway:
        client = gateway.client
        token = {"access_token": BOOTSTRAP_KEY}
        async with client.stream("GET", "/api/events", params=token) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
        refused = await client.get("/api/events", params={"access_token": "wrong"})
        assert refused.status_code == 401
        elsewhere = await client.get("/api/jobs", params=token)
        assert elsewhere.status_code == 401, "only the event streams read the query"
        writes = await client.post(f"/api/jobs/{uuid4()}/cancel", params=token)
        assert writes.status_code == 401
