"""The OpenAI emulator through the real `openai` SDK: vision chat completions with structured
outputs, the 3x3-grid uniqueness answer, and the injected faults."""

import asyncio
import base64
import io
import json
import random
import socket
import sys
from collections.abc import AsyncIterator
from typing import Any, Literal

import httpx
import openai
import pytest
from PIL import Image, ImageChops
from pydantic import BaseModel, ValidationError
from replicate.client import Client

from actormaker.emulators.openai import RunningOpenAI
from actormaker.emulators.replicate import RunningReplicate
from tests.conftest import OPENAI_TEST_KEY, REPLICATE_TEST_TOKEN

MODEL = "gpt-4o-mini"
WAIT_TIMEOUT = 10.0
QUESTION = "This is a 3x3 grid of images. Which tiles are unique?"


class Uniqueness(BaseModel):
    unique_tiles: list[int]
    reason: str


class Inner(BaseModel):
    label: str
    weight: float


class Description(BaseModel):
    caption: str
    tags: list[str]
    people: int
    sharp: bool
    mood: Literal["calm", "tense"]
    detail: Inner
    note: str | None


UNIQUENESS_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "tile_uniqueness",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "unique_tiles": {"type": "array", "items": {"type": "integer"}},
                "reason": {"type": "string"},
            },
            "required": ["unique_tiles", "reason"],
            "additionalProperties": False,
        },
    },
}


@pytest.fixture
async def client(openai_emulator: RunningOpenAI) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        api_key=OPENAI_TEST_KEY, base_url=openai_emulator.api_base, max_retries=0
    ) as sdk:
        yield sdk


def emulate(running: RunningOpenAI | RunningReplicate, **changes: Any) -> None:
    emulator = running.emulator
    emulator.configure(emulator.config.model_copy(update=changes))


def grid_image(copies: dict[int, int], *, tile: int = 48, fmt: str = "PNG") -> str:
    """A 3x3 grid as a data URL: random block patterns, tile `copy` repeating tile `original`
    (0-based) for each item of `copies`."""
    rng = random.Random(5)
    patterns = [bytes(rng.choice((20, 235)) for _ in range(64)) for _ in range(9)]
    for copy, original in copies.items():
        patterns[copy] = patterns[original]
    sheet = Image.new("RGB", (tile * 3, tile * 3))
    for index, pattern in enumerate(patterns):
        block = Image.frombytes("L", (8, 8), pattern).resize((tile, tile), Image.Resampling.NEAREST)
        sheet.paste(block.convert("RGB"), ((index % 3) * tile, (index // 3) * tile))
    buffer = io.BytesIO()
    sheet.save(buffer, format=fmt)
    media_type = "image/png" if fmt == "PNG" else "image/jpeg"
    return f"data:{media_type};base64,{base64.b64encode(buffer.getvalue()).decode()}"


def asking(image_url: str, text: str = QUESTION) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You judge contact sheets."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": text},
                {"type": "image_url", "image_url": {"url": image_url, "detail": "low"}},
            ],
        },
    ]


async def test_the_uniqueness_answer_lists_the_tiles_that_repeat_no_earlier_tile(
    client: openai.AsyncOpenAI,
) -> None:
    image = grid_image({3: 0, 7: 1, 8: 1}, fmt="JPEG")

    completion = await client.chat.completions.create(
        model=MODEL, messages=asking(image), response_format=UNIQUENESS_FORMAT
    )

    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    [choice] = completion.choices
    assert (choice.finish_reason, choice.message.role) == ("stop", "assistant")
    assert choice.message.refusal is None
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0
    answer = json.loads(choice.message.content or "")
    assert answer["unique_tiles"] == [1, 2, 3, 5, 6, 7]
    assert "4, 8, 9" in answer["reason"]


async def test_parse_with_a_pydantic_model_gives_the_parsed_answer(
    client: openai.AsyncOpenAI,
) -> None:
    completion = await client.chat.completions.parse(
        model=MODEL, messages=asking(grid_image({})), response_format=Uniqueness
    )

    parsed = completion.choices[0].message.parsed
    assert parsed is not None
    assert parsed.unique_tiles == list(range(1, 10))
    assert parsed.reason


async def test_a_grid_from_the_replicate_emulator_is_judged_by_its_real_tiles(
    client: openai.AsyncOpenAI, replicate: RunningReplicate, source_jpeg: bytes
) -> None:
    emulate(replicate, duplicate_tiles=3)
    transport = httpx.AsyncHTTPTransport()
    flux = Client(api_token=REPLICATE_TEST_TOKEN, base_url=replicate.api_base, transport=transport)
    source = f"data:image/jpeg;base64,{base64.b64encode(source_jpeg).decode()}"
    try:
        grid_url = await flux.async_run(
            "black-forest-labs/flux-kontext-pro",
            input={"prompt": "a 3x3 grid of poses", "input_image": source, "aspect_ratio": "1:1"},
        )
    finally:
        await transport.aclose()
    assert isinstance(grid_url, str)

    completion = await client.chat.completions.parse(
        model=MODEL, messages=asking(grid_url), response_format=Uniqueness
    )

    async with httpx.AsyncClient() as raw:
        grid = Image.open(io.BytesIO((await raw.get(grid_url)).content)).convert("RGB")
    side = grid.width // 3
    tiles = [
        grid.crop((x * side, y * side, (x + 1) * side, (y + 1) * side))
        for y in range(3)
        for x in range(3)
    ]
    expected = [
        n + 1
        for n in range(9)
        if all(ImageChops.difference(tiles[n], tiles[m]).getbbox() for m in range(n))
    ]
    parsed = completion.choices[0].message.parsed
    assert parsed is not None
    assert len(expected) == 6
    assert parsed.unique_tiles == expected


async def test_other_schemas_get_a_plausible_value_for_every_property(
    client: openai.AsyncOpenAI,
) -> None:
    completion = await client.chat.completions.parse(
        model=MODEL, messages=asking(grid_image({}), "Describe it."), response_format=Description
    )

    parsed = completion.choices[0].message.parsed
    assert parsed is not None
    assert parsed.caption
    assert parsed.tags
    assert parsed.mood in ("calm", "tense")
    assert parsed.detail.label


async def test_without_a_response_format_the_answer_is_a_caption(
    client: openai.AsyncOpenAI,
) -> None:
    completion = await client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Say something."}]
    )

    assert completion.choices[0].message.content


async def test_garbage_answers_do_not_fit_the_schema(
    client: openai.AsyncOpenAI, openai_emulator: RunningOpenAI
) -> None:
    emulate(openai_emulator, garbage_rate=1.0)
    contents = set()
    for _ in range(8):
        completion = await client.chat.completions.create(
            model=MODEL, messages=asking(grid_image({})), response_format=UNIQUENESS_FORMAT
        )
        contents.add(completion.choices[0].message.content)

    assert contents == {"I think tiles 1, 2", '{"unique_tiles": "many"}'}
    with pytest.raises(ValidationError):
        await client.chat.completions.parse(
            model=MODEL, messages=asking(grid_image({})), response_format=Uniqueness
        )


async def test_empty_answers_fit_the_schema_but_list_no_tile(
    client: openai.AsyncOpenAI, openai_emulator: RunningOpenAI
) -> None:
    emulate(openai_emulator, empty_rate=1.0)

    completion = await client.chat.completions.create(
        model=MODEL, messages=asking(grid_image({})), response_format=UNIQUENESS_FORMAT
    )

    assert json.loads(completion.choices[0].message.content or "")["unique_tiles"] == []


async def test_injected_failures_are_500_in_openais_error_shape(
    client: openai.AsyncOpenAI, openai_emulator: RunningOpenAI
) -> None:
    emulate(openai_emulator, failure_rate=1.0)

    with pytest.raises(openai.InternalServerError) as raised:
        await client.chat.completions.create(model=MODEL, messages=asking(grid_image({})))

    assert raised.value.status_code == 500
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["type"] == "server_error"


async def test_rate_limiting_is_429_with_retry_after(
    client: openai.AsyncOpenAI, openai_emulator: RunningOpenAI
) -> None:
    emulate(openai_emulator, rate_limit_rate=1.0, retry_after_s=3)

    with pytest.raises(openai.RateLimitError) as raised:
        await client.chat.completions.create(model=MODEL, messages=asking(grid_image({})))

    assert raised.value.code == "rate_limit_exceeded"
    assert raised.value.response.headers["retry-after"] == "3"


@pytest.mark.parametrize("key", ["sk-wrong", None])
async def test_a_wrong_or_missing_key_is_401(
    openai_emulator: RunningOpenAI, key: str | None
) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(base_url=openai_emulator.api_base, headers=headers) as raw:
        response = await raw.post("/chat/completions", json={"model": MODEL, "messages": []})
    async with openai.AsyncOpenAI(
        api_key=key or "sk-other", base_url=openai_emulator.api_base, max_retries=0
    ) as sdk:
        with pytest.raises(openai.AuthenticationError):
            await sdk.chat.completions.create(model=MODEL, messages=asking(grid_image({})))

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


async def test_a_strict_schema_that_is_not_closed_is_refused(client: openai.AsyncOpenAI) -> None:
    loose = json.loads(json.dumps(UNIQUENESS_FORMAT))
    del loose["json_schema"]["schema"]["additionalProperties"]

    with pytest.raises(openai.BadRequestError) as raised:
        await client.chat.completions.create(
            model=MODEL, messages=asking(grid_image({})), response_format=loose
        )

    assert "additionalProperties" in raised.value.message


async def test_an_image_that_is_no_image_is_refused(client: openai.AsyncOpenAI) -> None:
    not_an_image = f"data:image/png;base64,{base64.b64encode(b'plain text').decode()}"

    with pytest.raises(openai.BadRequestError) as raised:
        await client.chat.completions.create(model=MODEL, messages=asking(not_an_image))

    assert raised.value.code == "invalid_image_format"


async def test_a_request_without_messages_is_400(openai_emulator: RunningOpenAI) -> None:
    headers = {"Authorization": f"Bearer {OPENAI_TEST_KEY}"}
    async with httpx.AsyncClient(base_url=openai_emulator.api_base, headers=headers) as raw:
        response = await raw.post("/chat/completions", json={"model": MODEL})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages"


async def test_stats_count_requests_answers_and_failures_per_model(
    client: openai.AsyncOpenAI, openai_emulator: RunningOpenAI
) -> None:
    await client.chat.completions.create(model=MODEL, messages=asking(grid_image({})))
    await client.chat.completions.create(model=MODEL, messages=asking(grid_image({})))
    emulate(openai_emulator, failure_rate=1.0)
    with pytest.raises(openai.InternalServerError):
        await client.chat.completions.create(model=MODEL, messages=asking(grid_image({})))

    async with httpx.AsyncClient(base_url=openai_emulator.url) as admin:
        stats = (await admin.get("/_emulator/stats")).json()

    assert stats == {"models": {MODEL: {"requests": 3, "answered": 2, "failed": 1}}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_module_entry_point_serves_the_openai_emulator() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "actormaker.emulators", "openai", "--port", str(port)]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        async with httpx.AsyncClient() as raw, asyncio.timeout(WAIT_TIMEOUT):
            while True:
                try:
                    response = await raw.get(f"http://127.0.0.1:{port}/_emulator/config")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
        assert response.json()["garbage_rate"] == 0.0
    finally:
        process.terminate()
        async with asyncio.timeout(WAIT_TIMEOUT):
            await process.wait()
