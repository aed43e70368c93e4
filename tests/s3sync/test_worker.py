"""The s3sync worker on its own: it re-checks every command, whoever sent it."""

import secrets
from typing import Any
from uuid import uuid4

import pytest

from actormaker.common.bus import Bus
from actormaker.common.schemas import Command, EventType
from actormaker.common.schemas.s3sync import DownloadFile, UploadFile
from actormaker.common.settings import CommonSettings
from tests.common.bus.helpers import events_until, final
from tests.s3sync.conftest import running_worker

ACTOR = "0002_european_35_female"
LOCAL = f"data/actors/{ACTOR}/training_data/{ACTOR}_0.png"


def _download(**fields: Any) -> DownloadFile:
    values = {"bucket": "b", "s3_key": "k.png", "local_key": LOCAL} | fields
    return DownloadFile(job_id=uuid4(), item_id=uuid4(), item_key="x", group=ACTOR, **values)


def _upload(bucket: str, **fields: Any) -> UploadFile:
    values = {
        "bucket": bucket,
        "s3_key": "k.png",
        "local_key": LOCAL,
        "url": f"s3://{bucket}/k.png",
        "manifest_key": f"data/actors/{ACTOR}/training_data/response.json",
    } | fields
    return UploadFile(job_id=uuid4(), item_id=uuid4(), item_key="x", group=ACTOR, **values)


async def _failure(bus: Bus, command: Command) -> str:
    await bus.publish_command(command)
    events = await events_until(bus, command.job_id, final)
    [failed] = [e for e in events if e.type is EventType.ITEM_FAILED]
    assert failed.message is not None
    return failed.message


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"bucket": "foreign-bucket"}, "bucket 'foreign-bucket' is not on the allow-list"),
        ({"s3_key": "a/../../etc/passwd"}, "'..' segment"),
        ({"local_key": "data/actors/x/training_data/../../../../etc/x"}, "'..'"),
        ({"local_key": "resources/input_images/a.png"}, "is not a file in data/actors/"),
        ({"local_key": f"data/actors/{ACTOR}/base_image/a.png"}, "is not a file in data/actors/"),
    ],
)
async def test_a_forged_download_fails_without_touching_storage(
    worker_common: CommonSettings, bucket: str, fields: dict[str, str], reason: str
) -> None:
    command = _download(**({"bucket": bucket} | fields))

    async with running_worker(worker_common) as bus:
        message = await _failure(bus, command)

    assert reason in message
    assert not any(worker_common.data_dir.rglob("*.png"))


async def test_a_forged_upload_cannot_record_a_url_for_another_object_or_file(
    worker_common: CommonSettings, bucket: str
) -> None:
    elsewhere = _upload(bucket, url=f"s3://{bucket}/other.png")
    other_manifest = _upload(bucket, manifest_key="data/actors/victim/training_data/response.json")

    async with running_worker(worker_common) as bus:
        first = await _failure(bus, elsewhere)
        second = await _failure(bus, other_manifest)

    assert f"s3://{bucket}/other.png does not point at s3://{bucket}/k.png" in first
    assert "is not the response.json beside" in second


async def test_upload_of_a_missing_local_file_fails_naming_it(
    worker_common: CommonSettings, bucket: str
) -> None:
    command = _upload(bucket, s3_key=f"{secrets.token_hex(4)}.png")
    command = command.model_copy(update={"url": f"s3://{bucket}/{command.s3_key}"})

    async with running_worker(worker_common) as bus:
        message = await _failure(bus, command)

    assert message == f"file not found: {LOCAL}"
