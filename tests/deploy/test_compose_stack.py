"""docker-compose.yml started for real, where a Docker engine answers, and used through the API.

The images are built, the stack with the `emulators` profile comes up healthy (`up --wait`:
every health check, the workers' included), a style job runs to its end, img2img scales to two
healthy replicas that share the work, and `down -v` removes everything. It runs under its own
project name and image tag, on a free host port, with credentials made for the run and
ENVIRONMENT=local (the emulated RunPod key is refused in production, which is checked too).
Without a Docker engine and Compose v2 every test is skipped, saying why (SKIP_COMPOSE_STACK=1
skips them too, e.g. where an engine runs but cannot pull the base images).
"""

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from actormaker.devstack.ports import free_port
from tests.styles.builders import create_style, picture, unique, upload

pytestmark = [pytest.mark.docker, pytest.mark.timeout(2400)]

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 1500
UP_TIMEOUT_S = 420
JOB_TIMEOUT_S = 180
FINAL_JOB_STATES = {"succeeded", "partial", "failed", "cancelled"}


def _docker_problem() -> str | None:
    """Why the stack cannot run here, or None when a Docker engine and Compose v2 answer."""
    if os.environ.get("SKIP_COMPOSE_STACK"):
        return "SKIP_COMPOSE_STACK is set: not starting the compose stack"
    docker = shutil.which("docker")
    if docker is None:
        return "no Docker engine: the docker CLI is not installed"
    try:
        info = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "no Docker engine: `docker info` did not answer within 60 s"
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no Docker engine: `docker info` failed ({reason})"
    compose = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, timeout=60, check=False
    )
    if compose.returncode != 0:
        return "no Docker engine with Compose v2: `docker compose version` failed"
    return None


@dataclass
class Stack:
    project: str
    command: list[str]
    env: dict[str, str]
    api_key: str

    def run(
        self, *args: str, timeout: float = 300, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*self.command, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"docker compose {' '.join(args)} exited {done.returncode}:\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}\n{self.diagnostics()}"
            )
        return done

    def diagnostics(self) -> str:
        """The containers' states and their last log lines, for a failure's message."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            states = self._quiet("ps", "--all")
            logs = self._quiet("logs", "--no-color", "--tail", "60")
            return f"--- ps\n{states}\n--- logs\n{logs[-12000:]}"
        return "(no diagnostics)"

    def _quiet(self, *args: str) -> str:
        done = subprocess.run(
            [*self.command, *args], env=self.env, capture_output=True, text=True, timeout=60
        )
        return done.stdout + done.stderr

    def containers(self, service: str) -> list[dict[str, Any]]:
        """`docker compose ps` of one service: one JSON object per line, or (older) a list."""
        out = self.run("ps", "--format", "json", service).stdout.strip()
        if out.startswith("["):
            return json.loads(out)
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def gateway_url(self) -> str:
        address = self.run("port", "gateway", "8000").stdout.strip().splitlines()[0]
        host, _, port = address.rpartition(":")
        return f"http://{'127.0.0.1' if host in {'0.0.0.0', '[::]', '::'} else host}:{port}"

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.gateway_url(),
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
        )


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    if problem := _docker_problem():
        pytest.skip(problem)
    project = f"actormaker-test-{uuid4().hex[:8]}"
    api_key = secrets.token_urlsafe(32)
    env = os.environ | {
        "COMPOSE_PROJECT_NAME": project,
        "ACTORMAKER_TAG": project,
        "ENVIRONMENT": "local",
        "API_KEY": api_key,
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
        "AWS_ACCESS_KEY_ID": f"test{secrets.token_hex(8)}",
        "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(24),
        "GATEWAY_PUBLISH": f"127.0.0.1:{free_port()}",
        "RUNPOD_API_KEY": "emulated",
        "RUNPOD_BASE_URL": "http://runpod-emulator:8100/v2",
        "S3_ENDPOINT_URL": "http://minio:9000",
        "PUBLIC_BASE_URL": "",
    }
    command = [
        "docker",
        "compose",
        "--project-name",
        project,
        "--file",
        str(ROOT / "docker-compose.yml"),
        "--profile",
        "emulators",
    ]
    running = Stack(project=project, command=command, env=env, api_key=api_key)
    try:
        running.run("build", timeout=BUILD_TIMEOUT_S)
        running.run("up", "--detach", "--wait", "--no-build", timeout=UP_TIMEOUT_S)
        yield running
    finally:
        running.run("down", "--volumes", "--remove-orphans", "--timeout", "30", check=False)
        for image in (f"actormaker:{project}", f"actormaker-emulators:{project}"):
            subprocess.run(["docker", "image", "rm", image], capture_output=True, check=False)


def _healthy(container: dict[str, Any]) -> bool:
    return container.get("State") == "running" and container.get("Health") == "healthy"


async def _generate_and_wait(stack: Stack, images: int) -> dict[str, Any]:
    """A new style with `images` base images, its missing training images generated; the job."""
    async with stack.client() as client:
        style = await create_style(client)
        for index in range(images):
            name = f"{unique(f'compose{index}_')}.jpg"
            answer = await upload(client, name, picture(seed=index), caption=f"scene {index}")
            assert answer.status_code == 201, answer.text
        accepted = await client.post(
            f"/api/styles/{style['id']}/generate", json={"select": "missing"}
        )
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["job_id"]
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            job = (await client.get(f"/api/jobs/{job_id}")).json()
            if job["status"] in FINAL_JOB_STATES:
                return job
            await asyncio.sleep(0.5)
    pytest.fail(f"job {job_id} not finished after {JOB_TIMEOUT_S} s:\n{stack.diagnostics()}")


async def test_every_service_is_healthy_and_the_gateway_ready(stack: Stack) -> None:
    for service in ("nats", "postgres", "minio", "gateway", "img2img", "s3sync", "runpod-emulator"):
        containers = stack.containers(service)
        assert containers, f"{service} has no container"
        assert all(map(_healthy, containers)), containers
    async with stack.client() as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200
        assert "actormaker_" in metrics.text


def test_images_run_unprivileged_and_workers_serve_metrics(stack: Stack) -> None:
    for service in ("gateway", "img2img", "s3sync", "runpod-emulator"):
        uid = stack.run("exec", "-T", service, "id", "-u").stdout.strip()
        assert uid == "10001", f"{service} runs as uid {uid}"
    fetch = (
        "import urllib.request; "
        "print(urllib.request.urlopen('http://127.0.0.1:9100/metrics').read().decode())"
    )
    for worker in ("img2img", "s3sync"):
        scraped = stack.run("exec", "-T", worker, "python", "-c", fetch).stdout
        assert "actormaker_" in scraped, f"{worker}'s /metrics:\n{scraped[:500]}"


def test_production_image_holds_no_emulator_or_test_package(stack: Stack) -> None:
    probe = (
        "import importlib.util as u; "
        "print([m for m in ('moto', 'pytest', 'actormaker.emulators', 'actormaker.devstack') "
        "if u.find_spec(m)])"
    )
    assert stack.run("exec", "-T", "gateway", "python", "-c", probe).stdout.strip() == "[]"


async def test_a_style_job_runs_to_the_end(stack: Stack) -> None:
    job = await _generate_and_wait(stack, images=3)
    assert job["status"] == "succeeded", job
    assert job["counts"]["succeeded"] == 3, job["counts"]


async def test_img2img_scales_to_two_healthy_replicas_that_share_the_work(stack: Stack) -> None:
    stack.run(
        "up", "--detach", "--wait", "--no-build", "--scale", "img2img=2", timeout=UP_TIMEOUT_S
    )
    replicas = stack.containers("img2img")
    assert len(replicas) == 2, replicas
    assert all(map(_healthy, replicas)), replicas
    job = await _generate_and_wait(stack, images=8)
    assert job["status"] == "succeeded", job
    assert job["counts"]["succeeded"] == 8


def test_production_refuses_the_emulated_key(stack: Stack) -> None:
    refused = stack.run(
        "run",
        "--rm",
        "--no-deps",
        "-T",
        "-e",
        "ENVIRONMENT=production",
        "img2img",
        timeout=120,
        check=False,
    )
    assert refused.returncode != 0
    assert "ENVIRONMENT=production" in refused.stdout + refused.stderr
    assert "RUNPOD_API_KEY" in refused.stdout + refused.stderr
