"""img2img benchmark: a batch of training images through the whole stack, at several concurrencies.

    uv run python bench/img2img.py [--images 40] [--latency 0.25] [--concurrency 1 4 8]

Real parts, each in its own process as deployed: a nats-server from the wheel, the gateway
(`python -m actormaker.gateway`: API, projector, SSE) and the RunPod emulator with a fixed job
latency (`python -m actormaker.emulators runpod`); the img2img worker runs in this process, built
by the builder its __main__ uses. Each run generates every image of a fresh style ("generate
missing") and is timed from the POST to the end of the job's SSE stream. The seed's way is
measured too: one image after another, each a blocking /runsync call, as its script did. The
ideal for concurrency c is ceil(images / c) x latency: the provider time alone, no overhead.
"""

import argparse
import asyncio
import base64
import json
import math
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from httpx_sse import aconnect_sse

from actormaker.common.bus import Bus
from actormaker.common.comfy import WorkflowTemplate
from actormaker.common.runpod import RunPodSettings
from actormaker.common.service import running_worker
from actormaker.common.settings import CommonSettings
from actormaker.devstack.demo_styles import DEMO_SCENES, draw_scene
from actormaker.devstack.nats_server import NatsServer
from actormaker.devstack.ports import free_port
from actormaker.devstack.processes import quiet_module
from actormaker.img2img.settings import Img2ImgSettings
from actormaker.img2img.worker import img2img_service

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"
SIZE = {"width": 256, "height": 144}  # small renders: the benchmark measures orchestration


def base_image(index: int) -> bytes:
    _, _, painter = DEMO_SCENES[index % len(DEMO_SCENES)]
    return draw_scene(painter, seed=index)


async def upload_images(client: httpx.AsyncClient, count: int) -> list[str]:
    names = []
    for index in range(count):
        name = f"bench_{index:03d}.jpg"
        files = {"file": (name, base_image(index), "image/jpeg")}
        data = {"caption": f"a movie scene number {index}"}
        response = await client.post("/api/base-images", files=files, data=data)
        response.raise_for_status()
        names.append(name)
    return names


async def new_style(client: httpx.AsyncClient) -> str:
    body = {
        "id": uuid4().hex[:12],
        "name": "Bench",
        "lora_name": "SBai_style_1.safetensors",
        "frontpad": "bold ink,",
        "backpad": "graphic novel",
        "settings": SIZE,
    }
    response = await client.post("/api/styles", json=body)
    response.raise_for_status()
    return str(response.json()["id"])


async def timed_batch(client: httpx.AsyncClient, style_id: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = await client.post(f"/api/styles/{style_id}/generate", json={"select": "missing"})
    response.raise_for_status()
    job_id = response.json()["job_id"]
    async with aconnect_sse(client, "GET", f"/api/jobs/{job_id}/events") as source:
        async for _ in source.aiter_sse():
            pass
    elapsed = time.perf_counter() - started
    return elapsed, (await client.get(f"/api/jobs/{job_id}")).json()


@asynccontextmanager
async def img2img_worker(
    common: CommonSettings, runpod_api: str, concurrency: int
) -> AsyncIterator[None]:
    settings = Img2ImgSettings(
        concurrency=concurrency, poll_initial_s=0.02, poll_max_interval_s=0.05, fetch_timeout_s=0.5
    )
    runpod = RunPodSettings(base_url=runpod_api, api_key="bench", requests_per_second=1000)
    common = common.model_copy(update={"workflows_dir": WORKFLOWS})
    bus = await Bus.connect(common, name="bench-img2img")
    try:
        async with running_worker(bus, img2img_service(common, settings, runpod)):
            yield
    finally:
        await bus.close()


async def seed_sequential(runpod_api: str, count: int) -> float:
    """The seed's way: for each image, fill the workflow and block on /runsync, then save."""
    template = WorkflowTemplate.load(
        WORKFLOWS / "img2img_workflow.json", WORKFLOWS / "img2img_workflow.binding.json"
    )
    url = f"{runpod_api}/seed-sequential/runsync"
    out = Path(tempfile.mkdtemp(prefix="seed-bench-"))
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        for index in range(count):
            workflow = template.fill(
                {
                    "source_image": base64.b64encode(base_image(index)).decode(),
                    "prompt": f"bold ink, a movie scene number {index}, graphic novel",
                    **SIZE,
                }
            )
            response = await client.post(url, json={"input": {"workflow": workflow}})
            image = response.json()["output"]["images"][0]["data"]
            (out / f"{index}_training.png").write_bytes(base64.b64decode(image))
    return time.perf_counter() - started


async def run(images: int, latency: float, concurrencies: list[int]) -> None:
    root = Path(tempfile.mkdtemp(prefix="img2img-bench-"))
    nats = NatsServer(store_dir=root / "nats", sink=lambda _: None)
    await nats.start()
    common = CommonSettings(nats_url=nats.url, data_dir=root / "data", log_level="WARNING")
    gateway_port, runpod_port = free_port(), free_port()
    gateway = quiet_module(
        "actormaker.gateway",
        ready_url=f"http://127.0.0.1:{gateway_port}/readyz",
        env={
            "NATS_URL": nats.url,
            "DATA_DIR": str(common.data_dir),
            "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'gateway.db'}",
            "GATEWAY_PORT": str(gateway_port),
            "WORKFLOWS_DIR": str(WORKFLOWS),
            "LOG_LEVEL": "WARNING",
        },
    )
    emulator = quiet_module(
        "actormaker.emulators",
        *("runpod", "--latency", str(latency), "--port", str(runpod_port)),
        ready_url=f"http://127.0.0.1:{runpod_port}/_emulator/config",
    )
    runpod_api = f"http://127.0.0.1:{runpod_port}/v2"
    rows = []
    try:
        await gateway.start()
        await emulator.start()
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{gateway_port}", timeout=120
        ) as client:
            await upload_images(client, images)
            seed = await seed_sequential(runpod_api, images)
            for concurrency in concurrencies:
                style_id = await new_style(client)
                async with img2img_worker(common, runpod_api, concurrency):
                    elapsed, job = await timed_batch(client, style_id)
                if job["counts"]["succeeded"] != images:
                    raise SystemExit(f"batch did not succeed: {json.dumps(job['counts'])}")
                ideal = math.ceil(images / concurrency) * latency
                rows.append((concurrency, elapsed, ideal, elapsed / ideal, seed / elapsed))
    finally:
        await emulator.stop()
        await gateway.stop()
        await nats.stop()
    print(f"{images} images, RunPod emulator latency {latency * 1000:g} ms per job")
    print(f"seed (sequential /runsync): {seed:.2f} s ({seed / (images * latency):.2f}x ideal)\n")
    print("| concurrency | wall time | ideal ceil(n/c)*latency | wall / ideal | speed-up vs seed |")
    print("|---:|---:|---:|---:|---:|")
    for concurrency, elapsed, ideal, ratio, speedup in rows:
        print(f"| {concurrency} | {elapsed:.2f} s | {ideal:.2f} s | {ratio:.2f} | {speedup:.1f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.25, help="seconds per RunPod job")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    args = parser.parse_args()
    asyncio.run(run(args.images, args.latency, args.concurrency))


if __name__ == "__main__":
    main()
