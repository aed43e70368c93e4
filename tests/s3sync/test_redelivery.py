"""A worker process killed in the middle of a download: the item is redelivered to another
worker, which finishes it, and no truncated or temporary file is ever left."""

import asyncio
import hashlib
import os
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

from actormaker.common.bus import Bus
from actormaker.common.schemas import EventType
from actormaker.common.schemas.s3sync import DownloadFile
from actormaker.common.settings import CommonSettings
from tests.common.bus.helpers import events_until, has
from tests.s3sync.conftest import QUICK, running_worker
from tests.s3sync.proxy import StallingProxy

ACTOR = "0002_european_35_female"
SIZE = 24 * 2**20


def _worker_env(settings: CommonSettings, endpoint: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "ENVIRONMENT": "test",
        "NATS_URL": settings.nats_url,
        "DATA_DIR": str(settings.data_dir),
        "S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "S3SYNC_ASSET_BUCKET": settings.s3sync_asset_bucket,
        "S3SYNC_ACK_WAIT_S": str(QUICK.ack_wait_s),
    }


async def test_download_killed_mid_transfer_is_finished_whole_by_another_worker(
    worker_common: CommonSettings, s3: Any, bucket: str, bus: Bus, tmp_path: Path
) -> None:
    data = os.urandom(SIZE)
    await s3.put_object(Bucket=bucket, Key="big/actor_0.png", Body=data)
    local_key = f"data/actors/{ACTOR}/training_data/{ACTOR}_0.png"
    command = DownloadFile(
        job_id=uuid4(),
        item_id=uuid4(),
        item_key=f"{ACTOR}_0.png",
        group=ACTOR,
        bucket=bucket,
        s3_key="big/actor_0.png",
        local_key=local_key,
    )
    assert worker_common.s3_endpoint_url is not None
    proxy = StallingProxy(urlsplit(worker_common.s3_endpoint_url).port or 0, stall_after=2**20)
    endpoint = await proxy.start()
    with (tmp_path / "worker.log").open("wb") as log:
        doomed = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "actormaker.s3sync",
            env=_worker_env(worker_common, endpoint),
            stdout=log,
            stderr=log,
        )
    try:
        await bus.publish_command(command)
        await asyncio.wait_for(proxy.stalled.wait(), 30)
        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()

        async with running_worker(worker_common):
            events = await events_until(bus, command.job_id, has(EventType.ITEM_SUCCEEDED))
    finally:
        if doomed.returncode is None:
            doomed.kill()
            await doomed.wait()
        await proxy.close()

    started = [e.attempt for e in events if e.type is EventType.ITEM_STARTED]
    [succeeded] = [e for e in events if e.type is EventType.ITEM_SUCCEEDED]
    assert started[0] == 1, "the killed worker had started the item"
    assert succeeded.attempt is not None
    assert succeeded.attempt >= 2, "another delivery finished it"
    assert succeeded.output is not None
    assert succeeded.output["action"] == "downloaded"
    folder = (worker_common.data_dir / local_key).parent
    assert [path.name for path in folder.iterdir()] == [f"{ACTOR}_0.png"], "no temp file left"
    written = (worker_common.data_dir / local_key).read_bytes()
    assert (
        hashlib.md5(written, usedforsecurity=False).digest()
        == hashlib.md5(data, usedforsecurity=False).digest()
    )
