"""The Replicate emulator through the real `replicate` SDK (and raw HTTP where the SDK hides
headers): predictions, images, faults, stats and signed webhooks."""

import asyncio
import base64
import io
import json
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from PIL import Image, ImageChops, ImageOps, ImageStat
from replicate.client import Client
from replicate.exceptions import ModelError, ReplicateError
from replicate.prediction import Prediction
from replicate.webhook import Webhooks, WebhookSigningSecret

from actormaker.common.providers.signatures import replicate_signature_valid
from actormaker.emulators.replicate import RunningReplicate
from actormaker.emulators.serving import serve_in_background
from tests.conftest import REPLICATE_TEST_TOKEN

KONTEXT = "black-forest-labs/flux-kontext-pro"
UPSCALE = "topazlabs/image-upscale"
FINAL = {"succeeded", "failed", "canceled"}
WAIT_TIMEOUT = 10.0
SLOW = 30.0  # seconds a model takes when a test needs a prediction that stays unfinished


@pytest.fixture
async def client(replicate: RunningReplicate) -> AsyncIterator[Client]:
    """The real SDK, pointed at the emulator's root; its connections are closed afterwards."""
    transport = httpx.AsyncHTTPTransport()
    yield Client(api_token=REPLICATE_TEST_TOKEN, base_url=replicate.api_base, transport=transport)
    await transport.aclose()


@pytest.fixture
async def http(replicate: RunningReplicate) -> AsyncIterator[httpx.AsyncClient]:
    """Raw HTTP with the token, for what the SDK does not show (headers, bodies)."""
    headers = {"Authorization": f"Bearer {REPLICATE_TEST_TOKEN}"}
    async with httpx.AsyncClient(base_url=replicate.url, headers=headers) as raw:
        yield raw


def emulate(replicate: RunningReplicate, **changes: Any) -> None:
    emulator = replicate.emulator
    emulator.configure(emulator.config.model_copy(update=changes))


def data_uri(image: bytes, media_type: str = "image/jpeg") -> str:
    return f"data:{media_type};base64,{base64.b64encode(image).decode()}"


async def finished(client: Client, prediction: Prediction) -> Prediction:
    async with asyncio.timeout(WAIT_TIMEOUT):
        while prediction.status not in FINAL:
            await asyncio.sleep(0.01)
            prediction = await client.predictions.async_get(prediction.id)
    return prediction


async def download(url: str) -> Image.Image:
    async with httpx.AsyncClient() as raw:
        response = await raw.get(url)
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


async def kontext(client: Client, **input_: Any) -> Prediction:
    """A finished flux-kontext-pro prediction."""
    created = await client.predictions.async_create(model=KONTEXT, input=input_)
    return await finished(client, created)


def tiles(image: Image.Image) -> list[Image.Image]:
    width, height = image.size
    step_x, step_y = width // 3, height // 3
    return [
        image.crop((x * step_x, y * step_y, (x + 1) * step_x, (y + 1) * step_y))
        for y in range(3)
        for x in range(3)
    ]


def average_hash(image: Image.Image) -> int:
    pixels = image.convert("L").resize((8, 8), Image.Resampling.BOX).tobytes()
    mean = sum(pixels) / 64
    return sum(1 << bit for bit, pixel in enumerate(pixels) if pixel > mean)


def same_pixels(first: Image.Image, second: Image.Image) -> bool:
    return ImageChops.difference(first.convert("RGB"), second.convert("RGB")).getbbox() is None


async def test_a_prediction_starts_then_succeeds_with_an_image_of_the_aspect_ratio(
    client: Client, source_jpeg: bytes
) -> None:
    created = await client.predictions.async_create(
        model=KONTEXT,
        input={
            "prompt": "make it a watercolour",
            "input_image": data_uri(source_jpeg),
            "aspect_ratio": "16:9",
            "output_format": "png",
            "seed": 7,
        },
    )
    assert created.status == "starting"
    assert (created.model, created.output, created.error) == (KONTEXT, None, None)
    assert created.urls is not None
    assert created.urls["get"].endswith(f"/v1/predictions/{created.id}")
    assert created.urls["web"] == f"https://replicate.com/p/{created.id}"

    done = await finished(client, created)

    assert done.status == "succeeded"
    assert done.started_at is not None
    assert done.completed_at is not None
    assert done.metrics is not None
    assert done.metrics["predict_time"] >= 0
    assert isinstance(done.output, str)
    assert done.output.endswith(".png")
    image = await download(done.output)
    assert (image.format, image.size) == ("PNG", (256, 144))
    source = ImageOps.fit(Image.open(io.BytesIO(source_jpeg)).convert("RGB"), image.size)
    difference = ImageChops.difference(image.convert("RGB"), source)
    assert sum(ImageStat.Stat(difference).mean) / 3 > 10, "a restyled variant, not the source"


async def test_output_is_deterministic_and_can_match_the_input_image(
    client: Client, source_jpeg: bytes
) -> None:
    common = {"prompt": "film noir", "input_image": data_uri(source_jpeg), "seed": 3}
    first = await kontext(client, **common, output_format="jpg")
    again = await kontext(client, **common, output_format="jpg")
    other = await kontext(client, **{**common, "seed": 4}, output_format="jpg")

    images = [await download(p.output) for p in (first, again, other)]

    assert images[0].format == "JPEG"
    assert images[0].size == (256, 192), "match_input_image keeps the source's 4:3"
    assert same_pixels(images[0], images[1])
    assert not same_pixels(images[0], images[2])


async def test_a_prompt_without_an_input_image_is_drawn_from_the_prompt(client: Client) -> None:
    done = await kontext(client, prompt="a lighthouse at dusk", aspect_ratio="9:16")

    assert done.status == "succeeded"
    assert (await download(done.output)).size == (144, 256)


@pytest.mark.parametrize(
    "prompt", ["a 3x3 grid of poses", "Nine poses, 3\u00d73", "a contact GRID"]
)
async def test_a_grid_prompt_gives_nine_distinct_tiles(
    client: Client, source_jpeg: bytes, prompt: str
) -> None:
    done = await kontext(
        client, prompt=prompt, input_image=data_uri(source_jpeg), aspect_ratio="1:1", seed=11
    )

    image = await download(done.output)
    width, height = image.size
    assert width == height
    hashes = [average_hash(tile) for tile in tiles(image)]
    distances = [(a ^ b).bit_count() for n, a in enumerate(hashes) for b in hashes[n + 1 :]]
    assert min(distances) > 12, "every tile looks different from every other"


async def test_duplicate_tiles_repeat_earlier_tiles_exactly(
    client: Client, replicate: RunningReplicate, source_jpeg: bytes
) -> None:
    emulate(replicate, duplicate_tiles=2)

    done = await kontext(
        client, prompt="3x3 grid", input_image=data_uri(source_jpeg), aspect_ratio="1:1"
    )

    parts = tiles(await download(done.output))
    copies = [n for n in range(9) if any(same_pixels(parts[n], parts[m]) for m in range(n))]
    assert len(copies) == 2
    assert 0 not in copies


async def test_upscale_doubles_the_size_of_an_image_given_by_url(
    client: Client, source_jpeg: bytes
) -> None:
    original = await kontext(client, prompt="portrait", input_image=data_uri(source_jpeg))
    assert isinstance(original.output, str)
    assert original.output.startswith("http://")

    created = await client.predictions.async_create(
        model=UPSCALE,
        input={"image": original.output, "upscale_factor": "2x", "output_format": "jpg"},
    )
    done = await finished(client, created)

    assert done.status == "succeeded", done.error
    image = await download(done.output)
    assert (image.format, image.size) == ("JPEG", (512, 384))


async def test_run_waits_for_the_output_with_prefer_wait(
    client: Client, replicate: RunningReplicate, source_jpeg: bytes
) -> None:
    output = await client.async_run(
        KONTEXT, input={"prompt": "sketch", "input_image": data_uri(source_jpeg)}
    )

    # http:// output URLs come back from the SDK as plain strings, not FileOutput (3.6).
    assert isinstance(output, str)
    assert (await download(output)).size == (256, 192)
    assert replicate.emulator.stats()[KONTEXT]["polled"] == 0, "answered by the held request"


async def test_prefer_wait_answers_an_unfinished_prediction_when_the_wait_ends(
    http: httpx.AsyncClient, replicate: RunningReplicate
) -> None:
    emulate(replicate, model_latency_s={KONTEXT: SLOW})

    response = await http.post(
        f"/v1/models/{KONTEXT}/predictions",
        json={"input": {"prompt": "slow"}},
        headers={"Prefer": "wait=1"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "processing"
    assert response.headers["Location"] == body["urls"]["get"]


async def test_a_version_reference_creates_a_prediction_and_an_unknown_one_is_422(
    client: Client,
) -> None:
    version = (await client.predictions.async_create(model=KONTEXT, input={"prompt": "a"})).version

    by_name = await client.predictions.async_create(
        version=f"{KONTEXT}:{version}", input={"prompt": "b"}
    )
    by_hex = await client.predictions.async_create(version=version, input={"prompt": "c"})

    assert len(version) == 64
    assert (by_name.model, by_hex.model) == (KONTEXT, KONTEXT)
    with pytest.raises(ReplicateError) as raised:
        await client.predictions.async_create(version="0" * 64, input={"prompt": "d"})
    assert raised.value.status == 422


async def test_cancel_stops_a_running_prediction(
    client: Client, replicate: RunningReplicate
) -> None:
    emulate(replicate, model_latency_s={KONTEXT: SLOW})
    created = await client.predictions.async_create(model=KONTEXT, input={"prompt": "long"})

    canceled = await client.predictions.async_cancel(created.id)
    again = await client.predictions.async_cancel(created.id)

    assert canceled.status == "canceled"
    assert canceled.completed_at is not None
    assert (await client.predictions.async_get(created.id)).status == "canceled"
    assert again.status == "canceled"
    stats = replicate.emulator.stats()[KONTEXT]
    assert (stats["submitted"], stats["cancelled"]) == (1, 2)


async def test_injected_failures_fail_the_prediction_with_an_error(
    client: Client, replicate: RunningReplicate
) -> None:
    emulate(replicate, failure_rate=1.0)

    done = await kontext(client, prompt="anything")

    assert done.status == "failed"
    assert done.error
    assert done.output is None
    with pytest.raises(ModelError):
        await client.async_run(KONTEXT, input={"prompt": "anything"})


async def test_prompts_containing_a_marker_fail_and_others_succeed(
    client: Client, replicate: RunningReplicate
) -> None:
    emulate(replicate, fail_prompts_containing=["#nsfw"])

    failing = await kontext(client, prompt="a scene #nsfw")
    passing = await kontext(client, prompt="a scene")

    assert (failing.status, passing.status) == ("failed", "succeeded")
    assert "E005" in failing.error


async def test_rate_limiting_answers_429_with_retry_after(
    client: Client, http: httpx.AsyncClient, replicate: RunningReplicate
) -> None:
    emulate(replicate, rate_limit_rate=1.0, retry_after_s=7)

    with pytest.raises(ReplicateError) as raised:
        await client.predictions.async_create(model=KONTEXT, input={"prompt": "x"})
    response = await http.post(f"/v1/models/{KONTEXT}/predictions", json={"input": {"prompt": "x"}})

    assert raised.value.status == 429
    assert raised.value.detail == "Request was throttled. Your rate limit resets in ~7s."
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert KONTEXT not in replicate.emulator.stats(), "nothing was created"


async def test_server_errors_can_be_injected(client: Client, replicate: RunningReplicate) -> None:
    emulate(replicate, server_error_rate=1.0)

    with pytest.raises(ReplicateError) as raised:
        await client.predictions.async_create(model=KONTEXT, input={"prompt": "x"})

    assert raised.value.status == 500


async def test_a_wrong_token_is_401_with_replicates_error_shape(
    replicate: RunningReplicate,
) -> None:
    transport = httpx.AsyncHTTPTransport()
    wrong = Client(api_token="r8_wrong", base_url=replicate.api_base, transport=transport)
    try:
        with pytest.raises(ReplicateError) as raised:
            await wrong.predictions.async_create(model=KONTEXT, input={"prompt": "x"})
    finally:
        await transport.aclose()
    async with httpx.AsyncClient(base_url=replicate.url) as anonymous:
        response = await anonymous.get("/v1/predictions")

    assert raised.value.status == 401
    assert response.status_code == 401
    assert set(response.json()) == {"title", "detail", "status"}


@pytest.mark.parametrize(
    ("model", "input_", "field"),
    [
        (KONTEXT, {"aspect_ratio": "1:1"}, "input.prompt"),
        (KONTEXT, {"prompt": "x", "aspect_ratio": "7:3"}, "input.aspect_ratio"),
        (KONTEXT, {"prompt": "x", "input_image": "not a uri"}, "input.input_image"),
        (
            KONTEXT,
            {"prompt": "x", "input_image": "https://example.com/a.png", "safety_tolerance": 3},
            "input",
        ),
        (
            UPSCALE,
            {"image": "https://example.com/a.png", "upscale_factor": 2},
            "input.upscale_factor",
        ),
        (
            UPSCALE,
            {"image": "https://example.com/a.png", "upscale_factor": "3x"},
            "input.upscale_factor",
        ),
        (UPSCALE, {"upscale_factor": "2x"}, "input.image"),
    ],
)
async def test_invalid_input_is_422(
    client: Client, replicate: RunningReplicate, model: str, input_: dict[str, Any], field: str
) -> None:
    with pytest.raises(ReplicateError) as raised:
        await client.predictions.async_create(model=model, input=input_)

    assert raised.value.status == 422
    assert raised.value.title == "Input validation failed"
    assert f"- {field}" in (raised.value.detail or "")
    assert replicate.emulator.stats() == {}


async def test_unknown_models_and_predictions_are_404(
    client: Client, http: httpx.AsyncClient
) -> None:
    with pytest.raises(ReplicateError) as model:
        await client.predictions.async_create(model="nobody/nothing", input={"prompt": "x"})
    with pytest.raises(ReplicateError) as prediction:
        await client.predictions.async_get("doesnotexist")
    cancel = await http.post("/v1/predictions/doesnotexist/cancel")

    assert (model.value.status, prediction.value.status, cancel.status_code) == (404, 404, 404)
    assert cancel.json()["status"] == 404


async def test_stats_count_each_prediction_once(
    client: Client, replicate: RunningReplicate
) -> None:
    first = await client.predictions.async_create(model=KONTEXT, input={"prompt": "a"})
    await client.predictions.async_create(model=KONTEXT, input={"prompt": "b"})
    for _ in range(3):
        await client.predictions.async_get(first.id)
    await client.predictions.async_cancel(first.id)

    async with httpx.AsyncClient(base_url=replicate.url) as admin:
        response = await admin.get("/_emulator/stats")

    assert response.json()["models"] == {
        KONTEXT: {"submitted": 2, "polled": 3, "cancelled": 1, "webhooks_sent": 0}
    }


async def test_listing_is_paginated_newest_first(
    client: Client, replicate: RunningReplicate
) -> None:
    emulate(replicate, page_size=2)
    created = [
        await client.predictions.async_create(model=KONTEXT, input={"prompt": str(n)})
        for n in range(3)
    ]

    first = await client.predictions.async_list()
    second = await client.predictions.async_list(first.next)

    assert [p.id for p in first.results] == [created[2].id, created[1].id]
    assert [p.id for p in second.results] == [created[0].id]
    assert (first.previous, second.next) == (None, None)
    assert second.previous is not None


async def test_after_the_retention_period_data_is_removed_and_files_404(
    http: httpx.AsyncClient, replicate: RunningReplicate
) -> None:
    emulate(replicate, retention_s=0)
    response = await http.post(
        f"/v1/models/{KONTEXT}/predictions",
        json={"input": {"prompt": "short-lived"}},
        headers={"Prefer": "wait"},
    )
    answered = response.json()
    assert answered["status"] == "succeeded"

    later = (await http.get(f"/v1/predictions/{answered['id']}")).json()

    assert (later["data_removed"], later["output"], later["input"]) == (True, None, {})
    assert (await http.get(answered["output"])).status_code == 404


@dataclass
class Receiver:
    url: str
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes to answer, then 200s

    async def received(self, count: int) -> list[tuple[dict[str, str], bytes]]:
        async with asyncio.timeout(WAIT_TIMEOUT):
            while len(self.calls) < count:  # noqa: ASYNC110 - filled by another task's server
                await asyncio.sleep(0.01)
        return self.calls


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    app = FastAPI()
    state = Receiver(url="")

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        state.calls.append((dict(request.headers), await request.body()))
        return Response(status_code=state.answers.pop(0) if state.answers else 200)

    async with serve_in_background(app) as url:
        state.url = f"{url}/hook"
        yield state


async def test_a_finished_prediction_posts_a_signed_webhook(
    client: Client, receiver: Receiver
) -> None:
    created = await client.predictions.async_create(
        model=KONTEXT,
        input={"prompt": "hooked"},
        webhook=receiver.url,
        webhook_events_filter=["completed"],
    )

    [(headers, body)] = await receiver.received(1)

    secret = await client.webhooks.default.async_secret()
    assert secret.key.startswith("whsec_")
    Webhooks.validate(headers=headers, body=body.decode(), secret=secret, tolerance=300)
    assert replicate_signature_valid(headers, body, secret=secret.key, tolerance_s=300)
    sent = json.loads(body)
    assert (sent["id"], sent["status"]) == (created.id, "succeeded")
    assert sent["output"].endswith(".png")
    forged = WebhookSigningSecret(key="whsec_" + base64.b64encode(b"another key").decode())
    with pytest.raises(ValueError, match="invalid"):
        Webhooks.validate(headers=headers, body=body.decode(), secret=forged)


async def test_webhooks_follow_the_events_filter(client: Client, receiver: Receiver) -> None:
    await client.predictions.async_create(
        model=KONTEXT, input={"prompt": "a"}, webhook=receiver.url, webhook_events_filter=["start"]
    )
    wanted = await client.predictions.async_create(
        model=KONTEXT, input={"prompt": "b"}, webhook=receiver.url
    )

    [(_, body)] = await receiver.received(1)

    assert json.loads(body)["id"] == wanted.id


async def test_webhooks_are_retried_until_2xx_and_can_come_twice(
    client: Client, replicate: RunningReplicate, receiver: Receiver
) -> None:
    emulate(replicate, webhook_deliveries=2)
    receiver.answers = [503]

    created = await client.predictions.async_create(
        model=KONTEXT, input={"prompt": "twice"}, webhook=receiver.url
    )

    calls = await receiver.received(3)
    assert [json.loads(body)["id"] for _, body in calls] == [created.id] * 3
    assert len({headers["webhook-id"] for headers, _ in calls}) == 1
    assert replicate.emulator.stats()[KONTEXT]["webhooks_sent"] == 3


async def test_admin_config_can_be_read_changed_and_reset(
    replicate: RunningReplicate, client: Client
) -> None:
    async with httpx.AsyncClient(base_url=f"{replicate.url}/_emulator") as admin:
        changed = await admin.put("/config", json={"duplicate_tiles": 3})
        refused = await admin.put("/config", json={"duplicate_tiles": 9})
        unknown = await admin.put("/config", json={"no_such_setting": 1})
        await client.predictions.async_create(model=KONTEXT, input={"prompt": "x"})
        await admin.post("/reset")
        stats = (await admin.get("/stats")).json()

    assert changed.json()["duplicate_tiles"] == 3
    assert (refused.status_code, unknown.status_code) == (400, 400)
    assert stats == {"models": {}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_module_entry_point_serves_the_replicate_emulator() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "actormaker.emulators", "replicate", "--port", str(port)]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        async with httpx.AsyncClient() as raw, asyncio.timeout(WAIT_TIMEOUT):
            while True:
                try:
                    response = await raw.get(f"http://127.0.0.1:{port}/v1/webhooks/default/secret")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
        assert response.json()["key"].startswith("whsec_")
    finally:
        process.terminate()
        async with asyncio.timeout(WAIT_TIMEOUT):
            await process.wait()
