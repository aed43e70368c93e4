"""The Replicate emulator's trainings, through the real SDK: logs, weights, cancel, webhooks."""

import asyncio
import io
import json
import tarfile
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Response
from replicate.client import Client
from replicate.training import Training
from safetensors import safe_open

from actormaker.common.providers.signatures import replicate_signature_valid
from actormaker.emulators.replicate import RunningReplicate
from actormaker.emulators.replicate_trainings import TRAINER, TRAINER_VERSION
from actormaker.emulators.serving import serve_in_background
from tests.emulators.test_replicate_emulator import (
    FINAL,
    WAIT_TIMEOUT,
    Receiver,
    client,
    emulate,
    http,
    receiver,
)

__all__ = ["client", "http", "receiver"]

DESTINATION = "actormaker/loras"


def dataset_zip(*, images: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if images:
            archive.writestr("img_0001.png", b"png bytes")
        archive.writestr("img_0001.txt", "a scene, tok")
    return buffer.getvalue()


@pytest.fixture
async def files() -> AsyncIterator[str]:
    """A file server for the training zips: good.zip, empty.zip, not-a-zip.zip."""
    app = FastAPI()
    bodies = {"good": dataset_zip(), "empty": dataset_zip(images=False), "not-a-zip": b"hello"}

    @app.get("/{name}.zip")
    async def serve(name: str) -> Response:
        if name not in bodies:
            return Response(status_code=404)
        return Response(bodies[name], media_type="application/zip")

    async with serve_in_background(app) as url:
        yield url


@pytest.fixture(autouse=True)
def quick(replicate: RunningReplicate) -> None:
    emulate(replicate, training_s=0.2)


async def train(client: Client, zip_url: str, **changes: object) -> Training:
    return await client.trainings.async_create(
        model=TRAINER,
        version=TRAINER_VERSION,
        input={"input_images": zip_url, "trigger_word": "tok", "steps": 100, "lora_rank": 4},
        destination=DESTINATION,
        **changes,
    )


async def finished(client: Client, training: Training) -> Training:
    async with asyncio.timeout(WAIT_TIMEOUT):
        while training.status not in FINAL:
            await asyncio.sleep(0.02)
            training = await client.trainings.async_get(training.id)
    return training


async def test_a_training_logs_its_steps_and_delivers_a_lora_in_its_weights(
    client: Client, files: str, tmp_path: Path
) -> None:
    created = await train(client, f"{files}/good.zip")
    assert created.status in ("starting", "processing")
    done = await finished(client, created)
    assert done.status == "succeeded", done.error
    assert "100/100" in (done.logs or "")
    assert done.output["version"].startswith(f"{DESTINATION}:")
    async with httpx.AsyncClient() as raw:
        tar = (await raw.get(done.output["weights"])).content
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        (member,) = [m for m in archive.getmembers() if m.name.endswith("lora.safetensors")]
        extracted = archive.extractfile(member)
        assert extracted is not None
        (tmp_path / "lora.safetensors").write_bytes(extracted.read())
    with safe_open(str(tmp_path / "lora.safetensors"), framework="numpy") as tensors:
        keys = list(tensors.keys())
        downs = [tensors.get_slice(k).get_shape() for k in keys if k.endswith("lora_down.weight")]
    assert downs
    assert all(shape[0] == 4 for shape in downs)


@pytest.mark.parametrize(
    ("name", "complaint"), [("not-a-zip", "not a zip"), ("empty", "no images"), ("gone", "HTTP 4")]
)
async def test_a_dataset_that_cannot_be_used_fails_the_training(
    client: Client, files: str, name: str, complaint: str
) -> None:
    done = await finished(client, await train(client, f"{files}/{name}.zip"))
    assert done.status == "failed"
    assert complaint in (done.error or "")


async def test_a_destination_that_is_not_ours_and_bad_inputs_are_refused(
    http: httpx.AsyncClient, files: str
) -> None:
    path = f"/v1/models/{TRAINER}/versions/{TRAINER_VERSION}/trainings"
    body = {"destination": "someone-else/loras", "input": {"input_images": f"{files}/good.zip"}}
    foreign = await http.post(path, json=body)
    assert foreign.status_code == 404
    assert "does not exist" in foreign.json()["detail"]
    too_long = await http.post(
        path,
        json={"destination": DESTINATION, "input": {"input_images": "x", "steps": 9000}},
    )
    assert too_long.status_code == 422
    assert "input.steps" in too_long.json()["detail"]
    unknown = await http.post(
        f"/v1/models/{TRAINER}/versions/{'0' * 64}/trainings",
        json={"destination": DESTINATION, "input": {"input_images": "x"}},
    )
    assert unknown.status_code == 404


async def test_a_cancelled_training_stays_cancelled(
    client: Client, replicate: RunningReplicate, files: str
) -> None:
    emulate(replicate, training_s=30)
    created = await train(client, f"{files}/good.zip")
    await client.trainings.async_cancel(created.id)
    done = await finished(client, created)
    assert done.status == "canceled"
    assert done.output is None


async def test_training_webhooks_are_signed_and_follow_the_filter(
    client: Client, files: str, receiver: Receiver
) -> None:
    await train(
        client, f"{files}/good.zip", webhook=receiver.url, webhook_events_filter=["completed"]
    )
    calls = await receiver.received(2)  # start is always sent, then completed
    secret = (await client.webhooks.default.async_secret()).key
    statuses = []
    for headers, body in calls[:2]:
        assert replicate_signature_valid(headers, body, secret=secret, tolerance_s=300)
        statuses.append(json.loads(body)["status"])
    assert statuses == ["processing", "succeeded"]
