"""Bus benchmark: items through the real stack with a trivial handler.

    uv run python bench/bus.py [--items 400] [--concurrency 1 4 16] [--clients 50]

The stack is real and in separate processes: a nats-server from the wheel, the gateway
(`python -m actormaker.gateway`: API, projector, SSE) and the worker. This process submits jobs
with the gateway's own job helper, as a feature route does, and reads SSE. For each
concurrency it prints items per second and the latency from publishing a command to an SSE
client seeing its `item.succeeded`, next to bare JetStream (publish, pull, ack) as the peer.
Then it measures SSE fan-out: many clients on one job, and how late each event reaches them.
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from httpx_sse import aconnect_sse
from nats.js.api import AckPolicy, ConsumerConfig
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.bus import Bus, ItemContext, Worker, fetch_batch
from actormaker.common.schemas import Command
from actormaker.common.settings import CommonSettings
from actormaker.devstack.nats_server import NatsServer
from actormaker.devstack.ports import free_port
from actormaker.devstack.processes import ManagedProcess, answers_ok
from actormaker.gateway.db import create_engine, session_factory
from actormaker.gateway.jobs import JobDraft, submit_job


@dataclass(frozen=True)
class Stack:
    url: str
    nats_url: str
    bus: Bus
    sessions: async_sessionmaker[AsyncSession]


def bench_command(service: str) -> type[Command]:
    class Tick(Command):
        SERVICE = service
        ACTION = "tick"

    return Tick


async def run_worker(nats_url: str, service: str, concurrency: int) -> None:
    """The child process: a worker whose handler does nothing."""

    async def nothing(command: Any, ctx: ItemContext) -> None:
        return None

    bus = await Bus.connect(CommonSettings(nats_url=nats_url), name="bench-worker")
    tick = bench_command(service)
    worker = Worker(bus, service=service, handlers={tick: nothing}, concurrency=concurrency)
    await worker.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


async def start_worker(nats_url: str, service: str, concurrency: int) -> ManagedProcess:
    """This script again, in the worker role, in a child process."""
    worker = ManagedProcess(
        "worker",
        [sys.executable, __file__, "--worker", nats_url, service, str(concurrency)],
        sink=lambda line: None,
        ready_line="ready",
    )
    await worker.start()
    return worker


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def submit(stack: Stack, service: str, items: int) -> tuple[str, float]:
    draft = JobDraft(kind="bench.tick")
    tick = bench_command(service)
    commands = [draft.command(tick, key=f"item-{i}") for i in range(items)]
    published_at = time.time()
    async with stack.sessions() as session:
        job = await submit_job(session, stack.bus, draft, commands, request={})
    return str(job.id), published_at


async def follow(client: httpx.AsyncClient, job_id: str) -> list[tuple[float, dict[str, Any]]]:
    """Every event of a job with the time it arrived, until job.finished."""
    received = []
    async with aconnect_sse(client, "GET", f"/api/jobs/{job_id}/events") as source:
        async for event in source.aiter_sse():
            if event.data:  # an empty one is a keep-alive comment
                received.append((time.time(), json.loads(event.data)))
    return received


async def throughput(stack: Stack, items: int, concurrency: int) -> tuple[float, float, float]:
    service = f"bench{uuid4().hex[:8]}"
    worker = await start_worker(stack.nats_url, service, concurrency)
    try:
        job_id, published_at = await submit(stack, service, items)
        async with httpx.AsyncClient(base_url=stack.url, timeout=120) as client:
            events = await follow(client, job_id)
    finally:
        await worker.stop()
    done = [at for at, event in events if event["type"] == "item.succeeded"]
    latencies = [(at - published_at) * 1000 for at in done]
    wall = max(done) - published_at
    return items / wall, percentile(latencies, 0.5), percentile(latencies, 0.99)


async def bare_jetstream(bus: Bus, items: int) -> float:
    """The peer: publish, pull and ack the same number of messages with nothing around them."""
    service = f"raw{uuid4().hex[:8]}"
    subject = f"cmd.{service}.tick"
    config = ConsumerConfig(
        name=service, durable_name=service, filter_subject=subject, ack_policy=AckPolicy.EXPLICIT
    )
    await bus.js.add_consumer("COMMANDS", config)
    subscription = await bus.js.pull_subscribe_bind(service, stream="COMMANDS")
    started = time.perf_counter()
    await asyncio.gather(*(bus.js.publish(subject, b"{}") for _ in range(items)))
    acked = 0
    while acked < items:
        for msg in await fetch_batch(subscription, 256, 1.0):
            await msg.ack()
            acked += 1
    rate = items / (time.perf_counter() - started)
    await subscription.unsubscribe()
    return rate


async def fan_out(stack: Stack, clients: int, items: int) -> tuple[float, float]:
    service = f"fan{uuid4().hex[:8]}"
    worker = await start_worker(stack.nats_url, service, 8)
    try:
        job_id, _ = await submit(stack, service, items)
        async with httpx.AsyncClient(base_url=stack.url, timeout=120) as client:
            streams = await asyncio.gather(*(follow(client, job_id) for _ in range(clients)))
    finally:
        await worker.stop()
    delays = [
        (at - datetime.fromisoformat(event["time"]).timestamp()) * 1000
        for stream in streams
        for at, event in stream
        if event["type"].startswith("item.")
    ]
    return percentile(delays, 0.5), percentile(delays, 0.99)


async def main(arguments: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        nats = NatsServer(store_dir=root / "nats")
        await nats.start()
        database_url = f"sqlite+aiosqlite:///{root / 'bench.db'}"
        port = free_port()
        gateway = ManagedProcess(
            "gateway",
            [sys.executable, "-m", "actormaker.gateway"],
            sink=lambda line: None,
            env={
                "NATS_URL": nats.url,
                "DATABASE_URL": database_url,
                "DATA_DIR": str(root / "data"),
                "GATEWAY_PORT": str(port),
                "LOG_LEVEL": "WARNING",
            },
            ready_check=answers_ok(f"http://127.0.0.1:{port}/readyz"),
        )
        await gateway.start()
        bus = await Bus.connect(CommonSettings(nats_url=nats.url), name="bench")
        engine = create_engine(database_url)
        try:
            stack = Stack(f"http://127.0.0.1:{port}", nats.url, bus, session_factory(engine))
            await report(stack, arguments)
        finally:
            await bus.close()
            await engine.dispose()
            await gateway.stop()
            await nats.stop()


async def report(stack: Stack, arguments: argparse.Namespace) -> None:
    raw = await bare_jetstream(stack.bus, arguments.items)
    print(f"bus benchmark: {arguments.items} items, trivial handler, worker in its own process")
    print(f"peer: bare JetStream publish + pull + ack: {raw:,.0f} msgs/s\n")
    print(f"{'concurrency':>11} {'items/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}")
    for concurrency in arguments.concurrency:
        rate, p50, p99 = await throughput(stack, arguments.items, concurrency)
        print(f"{concurrency:>11} {rate:>9,.0f} {p50:>8.0f} {p99:>8.0f} {rate / raw:>8.1%}")
    print(f"\nSSE fan-out, one {arguments.fan_items}-item job, delay from event to client:")
    for clients in arguments.clients:
        p50, p99 = await fan_out(stack, clients, arguments.fan_items)
        print(f"{clients:>4} clients: p50 {p50:>5.0f} ms, p99 {p99:>5.0f} ms")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--fan-items", type=int, default=100)
    return parser.parse_args()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        nats_url, service, concurrency = sys.argv[2:5]
        asyncio.run(run_worker(nats_url, service, int(concurrency)))
    else:
        asyncio.run(main(parse()))
