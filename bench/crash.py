"""Crash benchmark: how many RunPod jobs a batch costs when its worker is SIGKILLed mid-render.

    uv run python bench/crash.py [--images 8] [--latency 3] [--ack-wait 2]

Every part is its own process: nats-server, the gateway, the RunPod emulator and the img2img
worker. Once every image's RunPod job is running, the worker is killed with SIGKILL and a new
one started; the batch then runs to its end. Printed: RunPod jobs submitted against the ideal
of one per image, jobs left running for nothing, and the time from the kill to the last image.
"""

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from img2img import WORKFLOWS, new_style, upload_images

from actormaker.devstack.nats_server import NatsServer
from actormaker.devstack.ports import free_port
from actormaker.devstack.processes import ManagedProcess, quiet_module

POLL_S = 0.1


def worker(env: dict[str, str]) -> ManagedProcess:
    return ManagedProcess(
        "img2img", [sys.executable, "-m", "actormaker.img2img"], sink=lambda _: None, env=env
    )


async def provider_jobs(admin: httpx.AsyncClient) -> list[dict[str, Any]]:
    return (await admin.get("/_emulator/jobs")).json()["jobs"]


async def until(check: Any, within: float) -> None:
    async with asyncio.timeout(within):
        while not await check():  # noqa: ASYNC110 - the state lives in other processes
            await asyncio.sleep(POLL_S)


async def run(images: int, latency: float, ack_wait: float) -> None:
    root = Path(tempfile.mkdtemp(prefix="crash-bench-"))
    nats = NatsServer(store_dir=root / "nats", sink=lambda _: None)
    await nats.start()
    gateway_port, runpod_port = free_port(), free_port()
    common = {
        "NATS_URL": nats.url,
        "DATA_DIR": str(root / "data"),
        "WORKFLOWS_DIR": str(WORKFLOWS),
        "LOG_LEVEL": "WARNING",
    }
    gateway = quiet_module(
        "actormaker.gateway",
        ready_url=f"http://127.0.0.1:{gateway_port}/readyz",
        env=common
        | {
            "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'gateway.db'}",
            "GATEWAY_PORT": str(gateway_port),
        },
    )
    emulator = quiet_module(
        "actormaker.emulators",
        *("runpod", "--latency", str(latency), "--port", str(runpod_port)),
        ready_url=f"http://127.0.0.1:{runpod_port}/_emulator/config",
    )
    worker_env = {
        **os.environ,
        **common,
        "RUNPOD_BASE_URL": f"http://127.0.0.1:{runpod_port}/v2",
        "RUNPOD_API_KEY": "bench",
        "IMG2IMG_CONCURRENCY": str(images),
        "IMG2IMG_ACK_WAIT_S": str(ack_wait),
        "IMG2IMG_POLL_INITIAL_S": "0.1",
        "IMG2IMG_POLL_MAX_INTERVAL_S": "0.25",
    }
    doomed, successor = worker(worker_env), worker(worker_env)
    try:
        await gateway.start()
        await emulator.start()
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{gateway_port}", timeout=60) as client,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{runpod_port}") as admin,
        ):
            await upload_images(client, images)
            style_id = await new_style(client)
            await doomed.start()
            response = await client.post(
                f"/api/styles/{style_id}/generate", json={"select": "missing"}
            )
            job_url = f"/api/jobs/{response.json()['job_id']}"

            async def all_running() -> bool:
                jobs = await provider_jobs(admin)
                return sum(job["status"] == "IN_PROGRESS" for job in jobs) == images

            await until(all_running, 60)
            assert doomed.pid is not None
            os.killpg(doomed.pid, signal.SIGKILL)
            killed_at = time.perf_counter()
            await successor.start()

            async def finished() -> bool:
                return (await client.get(job_url)).json()["status"] not in ("queued", "running")

            await until(finished, 120)
            recovery = time.perf_counter() - killed_at
            job = (await client.get(job_url)).json()
            jobs = await provider_jobs(admin)
    finally:
        for process in (successor, doomed, emulator, gateway):
            await process.kill()
        await nats.stop()
    submitted = len(jobs)
    print(f"{images} images, RunPod emulator latency {latency:g} s, worker SIGKILLed mid-render")
    print(f"job status: {job['status']} ({job['counts']['succeeded']}/{images} succeeded)")
    print("| RunPod jobs submitted | ideal (one per image) | extra | kill → batch done |")
    print("|---:|---:|---:|---:|")
    print(f"| {submitted} | {images} | {submitted - images} | {recovery:.2f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--latency", type=float, default=3.0, help="seconds per RunPod job")
    parser.add_argument("--ack-wait", type=float, default=2.0, help="IMG2IMG_ACK_WAIT_S")
    args = parser.parse_args()
    asyncio.run(run(args.images, args.latency, args.ack_wait))


if __name__ == "__main__":
    main()
