"""Input a database would reject is refused first, with a short 422 that names the field."""

import asyncio
from pathlib import Path

import httpx
import pytest

from actormaker.common.settings import CommonSettings
from tests.gateway.conftest import Database, Gateway, gateway_settings, running_gateway
from tests.styles.builders import create_style, unique

JSON = {"Content-Type": "application/json"}


def problems(response: httpx.Response) -> list[tuple[list[str | int], str]]:
    assert response.status_code == 422, response.text
    return [(problem["loc"], problem["msg"]) for problem in response.json()["detail"]]


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        ('{"id": "a", "name": "ink\\u0000noir"}', ["body", "name"], "NUL"),
        ('{"id": "a", "name": "ink\\ud800"}', ["body", "name"], "surrogate"),
        ('{"id": "a", "name": "x", "lora_strength_model": NaN}', ["body"], "NaN"),
        ('{"id": "a", "name": "x", "lora_strength_clip": -Infinity}', ["body"], "NaN"),
        ('{"id": "a", "name": "x", "tags": {"\\u0000": 1}}', ["body", "tags", "(key)"], "NUL"),
    ],
)
async def test_text_no_database_stores_is_refused_naming_the_field(
    gateway: Gateway, body: str, where: list[str], says: str
) -> None:
    response = await gateway.client.post("/api/styles", content=body, headers=JSON)

    [(loc, message)] = problems(response)
    assert loc == where
    assert says in message


async def test_nul_and_surrogates_in_the_path_or_query_are_refused(gateway: Gateway) -> None:
    in_path = await gateway.client.get("/api/styles/ink%00noir")
    in_query = await gateway.client.get("/api/actors", params={"name": "a\x00b"})
    surrogate = await gateway.client.get("/api/styles/ink%ED%A0%80")

    assert problems(in_path) == [(["path"], "contains a NUL character")]
    assert problems(in_query) == [(["query", "name"], "contains a NUL character")]
    assert "surrogate" in problems(surrogate)[0][1]


@pytest.mark.parametrize(
    "path",
    [
        "/api/actors/2147483648",
        "/api/actors/99999999999999999999999999/training-data",
        "/api/actors?offset=99999999999999999999999",
        "/api/actors?limit=%D9%A3",  # an Arabic-Indic three: not a number here
    ],
)
async def test_numbers_beyond_a_column_or_not_in_ascii_digits_are_422(
    gateway: Gateway, path: str
) -> None:
    response = await gateway.client.get(path)

    assert response.status_code == 422, response.text


async def test_ids_beyond_a_column_in_a_body_are_422(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/api/actors/import", json=[{"id": 2**31, "name": unique("actor_")}]
    )

    [(loc, message)] = problems(response)
    assert loc == ["body", 0, "id"]
    assert "less than or equal to 2147483647" in message


async def test_a_patch_may_clear_the_trigger_but_not_null_a_required_field(
    gateway: Gateway,
) -> None:
    style = await create_style(gateway.client)
    path = f"/api/styles/{style['id']}"

    nulled = await gateway.client.patch(path, json={"backpad": None})
    cleared = await gateway.client.patch(path, json={"trigger_words": None})

    [(loc, message)] = problems(nulled)
    assert loc == ["body", "backpad"]
    assert "may not be null" in message
    assert cleared.status_code == 200
    assert cleared.json()["trigger_words"] is None


async def test_errors_name_the_problem_without_echoing_the_input(gateway: Gateway) -> None:
    huge = "x" * 100_000

    bad_field = await gateway.client.post("/api/styles", json={"id": huge, "name": "n"})
    bad_name = await gateway.client.get(f"/api/base-images/{huge[:30_000]}.jpg/caption")
    bad_event_id = await gateway.client.get(
        "/api/events", headers={"Last-Event-ID": (huge[:8_000] + "٣").encode()}
    )

    for response in (bad_field, bad_name, bad_event_id):
        assert response.status_code == 422, response.text[:300]
        assert len(response.content) < 2_000
    assert problems(bad_field)[0][0] == ["body", "id"]
    assert "Last-Event-ID must be an event id" in bad_event_id.json()["detail"]


async def test_non_ascii_keys_and_signatures_are_401_not_500(
    settings: CommonSettings, database: Database
) -> None:
    configured = gateway_settings(settings, database, api_key="the-right-key-0123456789")
    async with running_gateway(configured) as gateway:
        wrong_key = await gateway.client.get(
            "/api/jobs", headers={"Authorization": "Bearer clé-é".encode()}
        )
        wrong_signature = await gateway.client.get(
            "/api/files/resources/input_images/a.jpg",
            params={"expires": "99999999999", "signature": "é" * 64},
        )

    assert wrong_key.status_code == 401
    assert wrong_signature.status_code == 401


async def test_a_concurrent_delete_and_update_answer_404_or_409_never_500(
    gateway: Gateway, tmp_path: Path
) -> None:
    outcomes: set[int] = set()
    for _ in range(10):
        style = await create_style(gateway.client)
        path = f"/api/styles/{style['id']}"
        answers = await asyncio.gather(
            gateway.client.patch(path, json={"name": unique("renamed ")}),
            gateway.client.delete(path),
            gateway.client.put(f"{path}/settings", json={"steps": 30}),
        )
        outcomes |= {answer.status_code for answer in answers}

    assert outcomes <= {200, 204, 404, 409}, outcomes
    assert 204 in outcomes
