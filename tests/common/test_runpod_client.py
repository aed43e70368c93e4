import asyncio
import base64
import io
import json
import logging
import re
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from actormaker.common.comfy import WorkflowTemplate, parse_comfy_output
from actormaker.common.errors import PermanentError, TransientError, WorkCancelled
from actormaker.common.runpod import (
    PollPolicy,
    RetryPolicy,
    RunPodClient,
    RunPodJob,
    RunPodJobExpired,
    RunPodJobFailed,
    RunPodRejected,
    RunPodStatus,
    RunPodUnavailable,
    RunPodWaitTimeout,
)
from actormaker.emulators.runpod import (
    RunningRunPod,
    RunPodEmulator,
)
from tests.conftest import RUNPOD_TEST_KEY

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
API_KEY = RUNPOD_TEST_KEY
ENDPOINT_ID = "img2img-client-test"
RETRY = RetryPolicy(max_attempts=5, initial_delay=0.01, max_delay=0.05)
POLL = PollPolicy(initial=0.01, factor=1.5, max_interval=0.05, timeout=10.0, not_found_grace=5.0)

JobInput = Callable[..., dict[str, Any]]


@pytest.fixture
def emulator(runpod: RunningRunPod) -> RunPodEmulator:
    return runpod.emulator


def reconfigure(emulator: RunPodEmulator, **changes: Any) -> None:
    emulator.configure(emulator.config.model_copy(update=changes))


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
def client(
    runpod_server: RunningRunPod, emulator: RunPodEmulator, http: httpx.AsyncClient
) -> RunPodClient:
    return RunPodClient(
        base_url=runpod_server.api_base,
        api_key=API_KEY,
        endpoint_id=ENDPOINT_ID,
        http=http,
        retry=RETRY,
    )


@pytest.fixture(scope="module")
def job_input() -> JobInput:
    template = WorkflowTemplate.load(
        WORKFLOWS / "img2img_workflow.json", WORKFLOWS / "img2img_workflow.binding.json"
    )
    buffer = io.BytesIO()
    Image.new("RGB", (200, 150), (200, 120, 40)).save(buffer, format="JPEG")
    source = base64.b64encode(buffer.getvalue()).decode("ascii")

    def build(prompt: str = "a movie scene of a market") -> dict[str, Any]:
        values = {"source_image": source, "prompt": prompt, "width": 128, "height": 96}
        return {"workflow": template.fill(values)}

    return build


def emulated_job(emulator: RunPodEmulator, job_id: str) -> dict[str, Any]:
    [job] = [job.summary() for job in emulator.jobs() if job.id == job_id]
    return job


async def test_run_and_wait_return_the_completed_output(
    client: RunPodClient, job_input: JobInput
) -> None:
    seen: list[str] = []

    async def record(job: RunPodJob) -> None:
        seen.append(job.status)

    job_id = await client.run(job_input())
    job = await client.wait(job_id, poll=POLL, on_update=record)

    assert job_id.endswith("-u1")
    assert job.id == job_id
    assert job.status == RunPodStatus.COMPLETED
    assert job.execution_time is not None
    assert seen[-1] == "COMPLETED"
    assert len(seen) == len(set(seen))
    [image] = parse_comfy_output(job.output)
    assert image.data is not None
    assert Image.open(io.BytesIO(image.data)).size == (128, 96)


@pytest.mark.parametrize("setting", ["rate_limit_rate", "server_error_rate"])
async def test_throttled_and_failing_requests_are_retried_until_they_succeed(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput, setting: str
) -> None:
    # Seed 1 makes the first draw a fault and the next one a success.
    reconfigure(emulator, seed=1, retry_after_s=0, **{setting: 0.5})

    job = await client.wait(await client.run(job_input()), poll=POLL)

    assert job.status == RunPodStatus.COMPLETED
    fault = "429" if setting == "rate_limit_rate" else "500"
    assert emulator.counters[f"faults.{fault}"] >= 1
    assert emulator.counters["requests.run"] == 2


async def test_retry_after_is_honoured(
    runpod_server: RunningRunPod,
    emulator: RunPodEmulator,
    http: httpx.AsyncClient,
    job_input: JobInput,
) -> None:
    reconfigure(emulator, seed=1, rate_limit_rate=0.5, retry_after_s=1)
    patient = RunPodClient(
        base_url=runpod_server.api_base,
        api_key=API_KEY,
        endpoint_id=ENDPOINT_ID,
        http=http,
        retry=RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=5.0),
    )
    loop = asyncio.get_running_loop()
    started = loop.time()

    await patient.run(job_input())

    assert loop.time() - started >= 0.95
    assert emulator.counters["faults.429"] == 1


async def test_persistent_server_errors_raise_runpod_unavailable(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, server_error_rate=1.0)

    with pytest.raises(RunPodUnavailable, match="HTTP 500 after 5 attempts") as raised:
        await client.run(job_input())

    assert isinstance(raised.value, TransientError)
    assert emulator.counters["requests.run"] == RETRY.max_attempts


async def test_unreachable_endpoint_raises_runpod_unavailable(http: httpx.AsyncClient) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    client = RunPodClient(
        base_url=f"http://127.0.0.1:{closed_port}/v2",
        api_key=API_KEY,
        endpoint_id=ENDPOINT_ID,
        http=http,
        retry=RetryPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.01),
    )

    with pytest.raises(RunPodUnavailable, match="ConnectError"):
        await client.status("any-job-u1")


async def test_wrong_api_key_is_rejected_permanently(
    runpod_server: RunningRunPod,
    emulator: RunPodEmulator,
    http: httpx.AsyncClient,
    job_input: JobInput,
) -> None:
    client = RunPodClient(
        base_url=runpod_server.api_base,
        api_key="wrong",
        endpoint_id=ENDPOINT_ID,
        http=http,
        retry=RETRY,
    )

    with pytest.raises(RunPodRejected, match=r"HTTP 401.*Unauthorized") as raised:
        await client.run(job_input())

    assert isinstance(raised.value, PermanentError)
    assert raised.value.status_code == 401


async def test_failed_job_raises_runpod_job_failed_with_the_provider_message(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, fail_prompts_containing=["#broken"])
    job_id = await client.run(job_input("a market #broken"))

    with pytest.raises(RunPodJobFailed) as raised:
        await client.wait(job_id, poll=POLL)

    failure = raised.value
    assert isinstance(failure, PermanentError)
    assert failure.status == "FAILED"
    assert failure.job_id == job_id
    assert "Job processing failed" in str(failure)
    assert "Node Type: KSampler, Node ID: 150, Message: emulated failure" in str(failure)


async def test_job_exceeding_its_execution_timeout_raises_runpod_job_failed(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, hang_rate=1.0)
    job_id = await client.run(job_input(), policy={"executionTimeout": 50})

    with pytest.raises(RunPodJobFailed, match="TIMED_OUT") as raised:
        await client.wait(job_id, poll=POLL)

    assert raised.value.status == "TIMED_OUT"


async def test_cancel_check_cancels_the_provider_job(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, hang_rate=1.0)
    running = asyncio.Event()

    async def note(job: RunPodJob) -> None:
        if job.status == RunPodStatus.IN_PROGRESS:
            running.set()

    async def cancelled() -> bool:
        return running.is_set()

    job_id = await client.run(job_input())
    with pytest.raises(WorkCancelled, match=job_id):
        await client.wait(job_id, poll=POLL, on_update=note, check_cancelled=cancelled)

    job = emulated_job(emulator, job_id)
    assert (job["status"], job["cancel_calls"]) == ("CANCELLED", 1)


async def test_poll_timeout_cancels_the_job_and_is_transient(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, hang_rate=1.0)
    job_id = await client.run(job_input())
    short = PollPolicy(initial=0.01, max_interval=0.02, timeout=0.2)

    with pytest.raises(RunPodWaitTimeout, match=re.escape("did not finish within 0.2s")) as raised:
        await client.wait(job_id, poll=short)

    assert isinstance(raised.value, TransientError)
    job = emulated_job(emulator, job_id)
    assert (job["status"], job["cancel_calls"]) == ("CANCELLED", 1)


async def test_404_right_after_submit_counts_as_queued(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, not_found_for_s=0.1)
    seen: list[str] = []

    async def record(job: RunPodJob) -> None:
        seen.append(job.status)

    job = await client.wait(await client.run(job_input()), poll=POLL, on_update=record)

    assert job.status == RunPodStatus.COMPLETED
    assert seen[0] == "IN_QUEUE"


async def test_404_after_the_grace_period_means_the_job_expired(
    client: RunPodClient, emulator: RunPodEmulator, job_input: JobInput
) -> None:
    reconfigure(emulator, retention_s=0.0)
    job_id = await client.run(job_input())
    no_grace = PollPolicy(initial=0.01, max_interval=0.02, timeout=10.0, not_found_grace=0.0)

    with pytest.raises(RunPodJobExpired, match=f"RunPod job {job_id} expired") as raised:
        await client.wait(job_id, poll=no_grace)

    assert isinstance(raised.value, PermanentError)


async def test_health_reports_the_endpoint_counters(
    client: RunPodClient, job_input: JobInput
) -> None:
    await client.wait(await client.run(job_input()), poll=POLL)

    health = await client.health()

    assert health.jobs["completed"] == 1


async def test_the_api_key_never_reaches_the_logs(
    client: RunPodClient,
    emulator: RunPodEmulator,
    job_input: JobInput,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    reconfigure(emulator, seed=1, server_error_rate=0.5)

    await client.wait(await client.run(job_input()), poll=POLL)

    assert any(record.message == "runpod request retried" for record in caplog.records)
    for record in caplog.records:
        assert API_KEY not in json.dumps(record.__dict__, default=str)


def test_unknown_statuses_parse_and_are_not_final() -> None:
    job = RunPodJob.model_validate({"id": "abc-e1", "status": "BOOTING", "delayTime": 5})

    assert (job.is_final, job.known_status, job.delay_time) == (False, None, 5)
    assert RunPodJob(id="x", status="TIMED_OUT").is_final


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
