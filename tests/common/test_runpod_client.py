import asyncio
import contextlib
import io
import json
import logging
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image

from actormaker.common.comfy import parse_comfy_output
from actormaker.common.errors import PermanentError, TransientError
from actormaker.common.providers import (
    JobState,
    ProviderHttp,
    ProviderJobForgotten,
    ProviderRejected,
    ProviderUnavailable,
    RetryPolicy,
)
from actormaker.common.runpod import RunPodClient, RunPodJob, RunPodStatus
from actormaker.emulators.runpod import (
    RunningRunPod,
    RunPodEmulator,
)
from tests.common.conftest import JobInput
from tests.conftest import RUNPOD_TEST_KEY

API_KEY = RUNPOD_TEST_KEY
ENDPOINT_ID = "img2img-client-test"
RETRY = RetryPolicy(max_attempts=5, initial_delay=0.01, max_delay=0.05)


@pytest.fixture
def emulator(runpod: RunningRunPod) -> RunPodEmulator:
    return runpod.emulator


def reconfigure(emulator: RunPodEmulator, **changes: Any) -> None:
    emulator.configure(emulator.config.model_copy(update=changes))


def runpod_client(
    base_url: str, *, api_key: str = API_KEY, retry: RetryPolicy = RETRY
) -> RunPodClient:
    http = ProviderHttp(
        "RunPod",
        base_url=base_url,
        headers={"Authorization": f"Bearer {api_key}"},
        retry=retry,
        timeout=5.0,
    )
    return RunPodClient(http, endpoint_id=ENDPOINT_ID)


@pytest.fixture
async def client(
    runpod_server: RunningRunPod, emulator: RunPodEmulator
) -> AsyncIterator[RunPodClient]:
    async with contextlib.aclosing(runpod_client(runpod_server.api_base)) as opened:
        yield opened


async def until_final(client: RunPodClient, job_id: str) -> list[RunPodJob]:
    """Every distinct state the job passes through, polled until it is final."""
    seen: list[RunPodJob] = []
    async with asyncio.timeout(10):
        while not seen or not seen[-1].is_final:
            job = await client.status(job_id)
            if not seen or job.status != seen[-1].status:
                seen.append(job)
            await asyncio.sleep(0.01)
    return seen


def emulated_job(emulator: RunPodEmulator, job_id: str) -> dict[str, Any]:
    [job] = [job.summary() for job in emulator.jobs() if job.id == job_id]
    return job


async def test_submit_and_status_return_the_completed_output(
    client: RunPodClient, job_input: JobInput
) -> None:
    job_id = await client.submit({"input": job_input()})
    seen = await until_final(client, job_id)

    job = seen[-1]
    assert job_id.endswith("-u1")
    assert job.id == job_id
    assert (job.status, job.state) == (RunPodStatus.COMPLETED, JobState.SUCCEEDED)
    assert job.execution_time is not None
    [image] = parse_comfy_output(job.output)
    assert image.data is not None
    assert Image.open(io.BytesIO(image.data)).size == (128, 96)


async def test_job_ids_are_kept_exactly_as_runpod_gives_them(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, job_id_suffix="-e1")

    job_id = await client.submit({"input": job_input()})

    assert job_id.endswith("-e1")
    assert (await until_final(client, job_id))[-1].id == job_id


@pytest.mark.parametrize("setting", ["rate_limit_rate", "server_error_rate"])
async def test_throttled_and_failing_requests_are_retried_until_they_succeed(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput, setting: str
) -> None:
    # Seed 1 makes the first draw a fault and the next one a success.
    reconfigure(emulator, seed=1, retry_after_s=0, **{setting: 0.5})

    await client.submit({"input": job_input()})

    fault = "429" if setting == "rate_limit_rate" else "500"
    assert emulator.counters[f"faults.{fault}"] >= 1
    assert emulator.counters["requests.run"] == 2


async def test_retry_after_is_honoured(
    runpod_server: RunningRunPod, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, seed=1, rate_limit_rate=0.5, retry_after_s=1)
    patient = runpod_client(
        runpod_server.api_base, retry=RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=5.0)
    )
    loop = asyncio.get_running_loop()
    started = loop.time()

    async with contextlib.aclosing(patient):
        await patient.submit({"input": job_input()})

    assert loop.time() - started >= 0.95
    assert emulator.counters["faults.429"] == 1


async def test_persistent_server_errors_are_transient_after_the_retries(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, server_error_rate=1.0)

    with pytest.raises(ProviderUnavailable, match="HTTP 500 after 5 attempts") as raised:
        await client.submit({"input": job_input()})

    assert isinstance(raised.value, TransientError)
    assert emulator.counters["requests.run"] == RETRY.max_attempts


async def test_unreachable_endpoint_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    client = runpod_client(
        f"http://127.0.0.1:{closed_port}/v2",
        retry=RetryPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.01),
    )

    async with contextlib.aclosing(client):
        with pytest.raises(ProviderUnavailable, match=r"ConnectError.*after 2 attempts"):
            await client.status("any-job-u1")


async def test_wrong_api_key_is_rejected_permanently(
    runpod_server: RunningRunPod, job_input: JobInput
) -> None:
    async with contextlib.aclosing(runpod_client(runpod_server.api_base, api_key="wrong")) as bad:
        with pytest.raises(ProviderRejected, match=r"HTTP 401.*Unauthorized") as raised:
            await bad.submit({"input": job_input()})

    assert isinstance(raised.value, PermanentError)
    assert raised.value.status_code == 401


async def test_a_failed_job_carries_the_worker_message(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, fail_prompts_containing=["#broken"])

    job = (await until_final(client, await client.submit({"input": job_input("a #broken")})))[-1]

    assert (job.status, job.state) == ("FAILED", JobState.FAILED)
    assert "Job processing failed" in job.failure_message()
    assert "Node Type: KSampler, Node ID: 150, Message: emulated failure" in job.failure_message()


async def test_cancel_cancels_the_provider_job(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, hang_rate=1.0)
    job_id = await client.submit({"input": job_input()})

    await client.cancel(job_id)

    job = emulated_job(emulator, job_id)
    assert (job["status"], job["cancel_calls"]) == ("CANCELLED", 1)
    assert (await client.status(job_id)).state is JobState.CANCELLED


async def test_a_job_the_provider_forgot_is_reported_as_forgotten(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, retention_s=0.0)
    job_id = await client.submit({"input": job_input()})
    await asyncio.sleep(0.2)

    with pytest.raises(ProviderJobForgotten, match=f"RunPod job {job_id} expired") as raised:
        await client.status(job_id)

    assert isinstance(raised.value, PermanentError)


async def test_health_reports_the_endpoint_counters(
    client: RunPodClient, job_input: JobInput
) -> None:
    await until_final(client, await client.submit({"input": job_input()}))

    health = await client.health()

    assert health.jobs["completed"] == 1


async def test_every_request_is_paced_to_the_provider_rate(runpod_server: RunningRunPod) -> None:
    rate, requests = 50.0, 60
    http = ProviderHttp(
        "RunPod",
        base_url=runpod_server.api_base,
        headers={"Authorization": f"Bearer {API_KEY}"},
        requests_per_second=rate,
    )
    async with contextlib.aclosing(RunPodClient(http, endpoint_id="pacing")) as paced:
        started = time.perf_counter()
        for _ in range(requests):
            await paced.health()
        elapsed = time.perf_counter() - started
    # The bucket starts full (one second's worth), so only the requests past that burst wait.
    assert elapsed >= (requests - rate) / rate


async def test_the_api_key_never_reaches_the_logs(
    client: RunPodClient,
    emulator: RunPodEmulator,
    job_input: JobInput,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    reconfigure(emulator, seed=1, server_error_rate=0.5)

    await until_final(client, await client.submit({"input": job_input()}))

    assert any(record.message == "provider request retried" for record in caplog.records)
    for record in caplog.records:
        assert API_KEY not in json.dumps(record.__dict__, default=str)


def test_unknown_statuses_parse_and_are_not_final() -> None:
    job = RunPodJob.model_validate({"id": "abc-e1", "status": "BOOTING", "delayTime": 5})

    assert (job.is_final, job.known_status, job.delay_time) == (False, None, 5)
    assert job.state is JobState.RUNNING
    assert RunPodJob(id="x", status="TIMED_OUT").is_final
    assert RunPodJob(id="x", status="TIMED_OUT").state is JobState.FAILED


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ("Invalid parameter: seed", "Invalid parameter: seed"),
        (
            json.dumps(
                {
                    "error_type": "<class 'ValueError'>",
                    "error_message": "seed must be an int",
                    "error_traceback": "Traceback ...",
                    "hostname": "abc",
                }
            ),
            "<class 'ValueError'>: seed must be an int",
        ),
        ({"error_message": "handler crashed"}, "handler crashed"),
        ('["not", "a dict"]', '["not", "a dict"]'),
    ],
)
def test_error_message_unpacks_the_json_error_form(error: object, message: str) -> None:
    job = RunPodJob.model_validate({"id": "j", "status": "FAILED", "error": error})

    assert job.error_message() == message
