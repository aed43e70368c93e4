"""S3 sync benchmark: one actor's training images from a local S3 endpoint into local storage.

    uv run python bench/s3sync.py [--files 20] [--size-mb 2] [--runs 3] [--concurrency 8]
                                  [--latency-ms 0]

Everything is real and in separate processes: moto's S3 server, a nats-server, the gateway and
the s3sync worker (`python -m actormaker.gateway`, `python -m actormaker.s3sync`). The same
objects are fetched three ways into an empty folder each run, and the median wall time printed:

- ours: `POST /api/actors/{id}/training-data/sync-from-s3?wait=true` (HTTP → job → NATS → worker
  → S3 → storage → events → projector → answer), cold, then again with every file in place;
- sequential: boto3 `download_file` one object after another, as the seed's script did;
- awscli: `aws s3 sync` (its default 10 parallel requests), run with `uv tool run --from awscli`
  because awscli pins another botocore than aioboto3 (TECH_NOTES §9).

On loopback moto answers at once and is the bottleneck itself, so parallel transfers gain
little. `--latency-ms` puts a proxy in front of it that delays each response's first byte, as a
real S3 endpoint's round trip does; that is where the seed's one-at-a-time sync lost its time.
"""

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config

from actormaker.common.actor_files import TrainingManifest, response_key
from actormaker.common.storage import LocalStorage
from actormaker.devstack.nats_server import NatsServer
from actormaker.devstack.ports import free_port
from actormaker.devstack.processes import ManagedProcess, answers_ok
from actormaker.devstack.s3_server import S3Server

BUCKET = "story-boards-assets"
PREFIX = "system_actors/training_data"
ACTOR: dict[str, Any] = {"id": 2, "name": "0002_european_35_female"}
KEY = "bench"
AWS = ["uv", "tool", "run", "--from", "awscli", "aws"]


def quiet(_line: str) -> None:
    pass


class LatencyProxy:
    """TCP proxy that holds each response's first byte back by `latency` seconds."""

    def __init__(self, target_port: int, latency: float) -> None:
        self._target_port = target_port
        self._latency = latency
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        upstream_r, upstream_w = await asyncio.open_connection("127.0.0.1", self._target_port)
        asked = asyncio.Event()

        async def requests() -> None:
            while chunk := await client_r.read(65536):
                asked.set()
                upstream_w.write(chunk)
                await upstream_w.drain()
            upstream_w.close()

        async def responses() -> None:
            while chunk := await upstream_r.read(65536):
                if asked.is_set():
                    asked.clear()
                    await asyncio.sleep(self._latency)
                client_w.write(chunk)
                await client_w.drain()
            client_w.close()

        with contextlib.suppress(ConnectionError):
            await asyncio.gather(requests(), responses())


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY,
        aws_secret_access_key=KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


def object_keys(files: int) -> list[str]:
    name = ACTOR["name"]
    return [f"{PREFIX}/{name}/{name}_{i}.png" for i in range(files)]


def put_objects(endpoint: str, keys: list[str], size: int) -> None:
    s3 = s3_client(endpoint)
    s3.create_bucket(Bucket=BUCKET)
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=os.urandom(size))


def sequential(endpoint: str, keys: list[str], folder: Path) -> None:
    s3 = s3_client(endpoint)
    for key in keys:
        s3.download_file(BUCKET, key, str(folder / key.rsplit("/", 1)[1]))


def awscli(endpoint: str, folder: Path) -> None:
    env = os.environ | {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": KEY}
    subprocess.run(
        [*AWS, "--endpoint-url", endpoint, "s3", "sync", f"s3://{BUCKET}/{PREFIX}/", str(folder)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


async def median_time(
    runs: int, prepare: Callable[[], None], run: Callable[[], Awaitable[None]]
) -> float:
    times = []
    for _ in range(runs):
        prepare()
        start = time.perf_counter()
        await run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def start_stack(
    var: Path, s3_url: str, nats_url: str, concurrency: int
) -> tuple[str, list[ManagedProcess]]:
    port = free_port()
    env = {
        "ENVIRONMENT": "local",
        "NATS_URL": nats_url,
        "DATA_DIR": str(var / "data"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{var / 'gateway.db'}",
        "S3_ENDPOINT_URL": s3_url,
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": KEY,
        "S3SYNC_ASSET_BUCKET": BUCKET,
        "S3SYNC_CONCURRENCY": str(concurrency),
        "GATEWAY_PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    url = f"http://127.0.0.1:{port}"

    gateway = ManagedProcess(
        "gateway",
        [sys.executable, "-m", "actormaker.gateway"],
        sink=quiet,
        env=env,
        ready_check=answers_ok(f"{url}/readyz"),
        start_timeout=60,
    )
    worker = ManagedProcess(
        "s3sync", [sys.executable, "-m", "actormaker.s3sync"], sink=quiet, env=env
    )
    await gateway.start()
    await worker.start()
    return url, [worker, gateway]


async def main(files: int, size_mb: float, runs: int, concurrency: int, latency_ms: float) -> None:
    size = int(size_mb * 2**20)
    keys = object_keys(files)
    # Installs awscli's tool environment once, so no run below pays for it.
    await asyncio.to_thread(subprocess.run, [*AWS, "--version"], check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="bench-s3sync-") as tmp:
        var = Path(tmp)
        s3, nats = (
            S3Server(sink=quiet),
            NatsServer(store_dir=var / "nats", port=free_port(), sink=quiet),
        )
        await s3.start()
        await nats.start()
        proxy = LatencyProxy(s3.port, latency_ms / 1000)
        endpoint = await proxy.start() if latency_ms else s3.url
        processes: list[ManagedProcess] = []
        try:
            put_objects(s3.url, keys, size)
            api, processes = await start_stack(var, endpoint, nats.url, concurrency)
            storage = LocalStorage(var / "data")
            urls = [f"https://{BUCKET}.s3.us-west-1.amazonaws.com/{key}" for key in keys]
            manifest = TrainingManifest.empty().with_urls(urls)
            await storage.write(response_key(str(ACTOR["name"])), manifest.to_bytes())
            local = var / "data" / "data" / "actors" / ACTOR["name"] / "training_data"
            out = var / "out"

            def empty_out() -> None:
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir()

            def empty_local() -> None:
                for path in local.glob("*.png"):
                    path.unlink()

            async with httpx.AsyncClient(base_url=api, timeout=600) as client:
                (await client.post("/api/actors/import", json=[ACTOR])).raise_for_status()
                sync_path = f"/api/actors/{ACTOR['id']}/training-data/sync-from-s3"

                async def ours() -> None:
                    answer = (await client.post(sync_path, params={"wait": "true"})).json()
                    assert answer["downloaded"] == files, answer

                results = {
                    "sequential boto3 (the seed)": await median_time(
                        runs, empty_out, lambda: asyncio.to_thread(sequential, endpoint, keys, out)
                    ),
                    "aws s3 sync (awscli)": await median_time(
                        runs, empty_out, lambda: asyncio.to_thread(awscli, endpoint, out)
                    ),
                    f"ours: API + s3sync ({concurrency} at once)": await median_time(
                        runs, empty_local, ours
                    ),
                    "ours, every file already in place": await median_time(
                        runs, lambda: None, ours
                    ),
                }
        finally:
            for process in processes:
                await process.stop()
            await proxy.stop()
            await nats.stop()
            await s3.stop()
    base = results["sequential boto3 (the seed)"]
    total_mb = files * size / 2**20
    where = f"with {latency_ms:g} ms added per response" if latency_ms else "on loopback"
    print(f"\n{files} files x {size_mb:g} MB from local moto S3 {where}, median of {runs} runs\n")
    print(f"| {'method':<38} | wall s | MB/s  | speed-up vs sequential |")
    print(f"|{'-' * 40}|--------|-------|------------------------|")
    for method, seconds in results.items():
        speed = f"{base / seconds:.1f}x"
        print(f"| {method:<38} | {seconds:6.2f} | {total_mb / seconds:5.0f} | {speed:>22} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--size-mb", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(main(args.files, args.size_mb, args.runs, args.concurrency, args.latency_ms))
