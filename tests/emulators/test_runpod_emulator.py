import asyncio
import base64
import io
import socket
import sys
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops, ImageOps, ImageStat

from actormaker.emulators.runpod import RunningRunPod
from tests.conftest import RUNPOD_TEST_KEY

API_KEY = RUNPOD_TEST_KEY
FINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"}
WAIT_TIMEOUT = 10.0


async def submit(endpoint: httpx.AsyncClient, job_input: object, **extra: Any) -> str:
    response = await endpoint.post("/run", json={"input": job_input, **extra})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "IN_QUEUE"
    return body["id"]


async def wait_for(endpoint: httpx.AsyncClient, job_id: str, statuses: set[str]) -> dict[str, Any]:
    async with asyncio.timeout(WAIT_TIMEOUT):
        while True:
            response = await endpoint.get(f"/status/{job_id}")
            response.raise_for_status()
            job = response.json()
            if job["status"] in statuses:
                return job
            await asyncio.sleep(0.01)


async def configure(admin: httpx.AsyncClient, **changes: Any) -> None:
    response = await admin.put("/config", json=changes)
    assert response.status_code == 200, response.text


async def emulated_jobs(admin: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await admin.get("/jobs")
    return {job["id"]: job for job in response.json()["jobs"]}


def output_image(job: dict[str, Any]) -> Image.Image:
    [image] = job["output"]["images"]
    assert image["type"] == "base64"
    return Image.open(io.BytesIO(base64.b64decode(image["data"])))


def mean_difference(first: Image.Image, second: Image.Image) -> float:
    difference = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
    return sum(ImageStat.Stat(difference).mean) / 3


async def test_run_completes_with_a_restyled_image_of_the_requested_size(
    endpoint: httpx.AsyncClient, img2img_input, source_jpeg: bytes
) -> None:
    job_id = await submit(endpoint, img2img_input(width=256, height=160))
    assert job_id.endswith("-u1")

    job = await wait_for(endpoint, job_id, FINAL)

    assert job["status"] == "COMPLETED"
    assert job["id"] == job_id
    assert isinstance(job["delayTime"], int)
    assert isinstance(job["executionTime"], int)
    assert job["output"]["images"][0]["filename"] == "ComfyUI_00001_.png"
    image = output_image(job)
    assert image.size == (256, 160)
    source = ImageOps.fit(Image.open(io.BytesIO(source_jpeg)).convert("RGB"), (256, 160))
    assert mean_difference(image, source) > 10


async def test_output_depends_on_the_prompt_and_is_deterministic(
    endpoint: httpx.AsyncClient, img2img_input
) -> None:
    ids = [
        await submit(endpoint, img2img_input("bold black and white line art")),
        await submit(endpoint, img2img_input("soft pastel watercolour")),
        await submit(endpoint, img2img_input("bold black and white line art")),
    ]
    first, other, again = [await wait_for(endpoint, job_id, FINAL) for job_id in ids]

    assert mean_difference(output_image(first), output_image(other)) > 10
    assert first["output"]["images"][0]["data"] == again["output"]["images"][0]["data"]


async def test_legacy_output_format_returns_one_base64_message(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, output_format="legacy")

    job = await wait_for(endpoint, await submit(endpoint, img2img_input()), FINAL)

    assert job["status"] == "COMPLETED"
    assert job["output"]["status"] == "success"
    image = Image.open(io.BytesIO(base64.b64decode(job["output"]["message"])))
    assert image.size == (256, 160)


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": API_KEY}]
)
async def test_requests_without_the_bearer_key_are_refused(
    runpod: RunningRunPod, headers: dict[str, str], img2img_input
) -> None:
    async with httpx.AsyncClient(base_url=f"{runpod.api_base}/ep", headers=headers) as client:
        response = await client.post("/run", json={"input": img2img_input()})

    assert response.status_code == 401
    assert "error" in response.json()


async def test_unknown_job_is_404(endpoint: httpx.AsyncClient) -> None:
    response = await endpoint.get("/status/00000000-0000-0000-0000-000000000000-u1")

    assert response.status_code == 404
    assert (await endpoint.post("/cancel/nope-u1")).status_code == 404


async def test_finished_job_is_404_after_the_retention_period(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, retention_s=0)
    job_id = await submit(endpoint, img2img_input())

    async with asyncio.timeout(WAIT_TIMEOUT):
        while True:
            if (await endpoint.get(f"/status/{job_id}")).status_code == 404:
                break
            await asyncio.sleep(0.01)

    assert job_id not in await emulated_jobs(admin)


async def test_status_is_404_just_after_submit_when_configured(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, not_found_for_s=30)
    job_id = await submit(endpoint, img2img_input())

    assert (await endpoint.get(f"/status/{job_id}")).status_code == 404
    assert (await emulated_jobs(admin))[job_id]["status"] in {"IN_PROGRESS", "COMPLETED"}


async def test_cancel_stops_a_hanging_job_and_is_recorded(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, hang_rate=1.0)
    job_id = await submit(endpoint, img2img_input())
    await wait_for(endpoint, job_id, {"IN_PROGRESS"})

    response = await endpoint.post(f"/cancel/{job_id}")

    assert response.json() == {"id": job_id, "status": "CANCELLED"}
    assert (await wait_for(endpoint, job_id, FINAL))["status"] == "CANCELLED"
    listing = (await admin.get("/jobs")).json()
    [job] = listing["jobs"]
    assert job["cancel_calls"] == 1
    assert listing["counters"]["requests.cancel"] == 1


async def test_hanging_job_stays_in_progress_while_others_complete(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, hang_rate=1.0)
    hanging = await submit(endpoint, img2img_input())
    await configure(admin, hang_rate=0.0)
    normal = await submit(endpoint, img2img_input())

    assert (await wait_for(endpoint, normal, FINAL))["status"] == "COMPLETED"
    assert (await endpoint.get(f"/status/{hanging}")).json()["status"] == "IN_PROGRESS"


async def test_failure_injection_fails_the_job_like_worker_comfyui(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, failure_rate=1.0)

    job = await wait_for(endpoint, await submit(endpoint, img2img_input()), FINAL)

    assert job["status"] == "FAILED"
    assert job["error"] == "Job processing failed"
    assert job["output"]["details"] == [
        "Workflow execution error: Node Type: KSampler, Node ID: 150, Message: emulated failure"
    ]


async def test_prompts_containing_a_marker_fail_and_others_succeed(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, fail_prompts_containing=["#fail"])

    failing = await submit(endpoint, img2img_input("a scene #fail"))
    passing = await submit(endpoint, img2img_input("a scene"))

    assert (await wait_for(endpoint, failing, FINAL))["status"] == "FAILED"
    assert (await wait_for(endpoint, passing, FINAL))["status"] == "COMPLETED"


@pytest.mark.parametrize(
    ("setting", "status_code"), [("rate_limit_rate", 429), ("server_error_rate", 500)]
)
async def test_injected_http_errors_answer_json(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input, setting, status_code
) -> None:
    await configure(admin, **{setting: 1.0}, retry_after_s=2)

    response = await endpoint.post("/run", json={"input": img2img_input()})

    assert response.status_code == status_code
    assert "emulated" in response.json()["error"]
    assert (response.headers.get("Retry-After") == "2") == (status_code == 429)
    assert (await admin.get("/jobs")).json()["counters"][f"faults.{status_code}"] == 1


async def test_missing_workflow_fails_the_job_with_worker_comfyui_text(
    endpoint: httpx.AsyncClient,
) -> None:
    job = await wait_for(endpoint, await submit(endpoint, {"images": []}), FINAL)

    assert job["status"] == "FAILED"
    assert job["error"] == "Missing 'workflow' parameter"


@pytest.mark.parametrize("body", [b'{"webhook": "http://x"}', b"not json", b'{"input": 3}'])
async def test_malformed_request_body_is_400(endpoint: httpx.AsyncClient, body: bytes) -> None:
    response = await endpoint.post(
        "/run", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert "error" in response.json()


async def test_images_list_with_a_load_image_node_is_used_as_source(
    endpoint: httpx.AsyncClient, source_jpeg: bytes
) -> None:
    workflow = {
        "3": {
            "class_type": "KSampler",
            "inputs": {"seed": 5, "denoise": 0.6, "positive": ["6", 0]},
        },
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 96, "height": 64}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red barn", "clip": ["4", 1]}},
        "10": {"class_type": "LoadImage", "inputs": {"image": "input_image_1.png"}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "barn"}},
    }
    data_uri = "data:image/jpeg;base64," + base64.b64encode(source_jpeg).decode()
    job_input = {"workflow": workflow, "images": [{"name": "input_image_1.png", "image": data_uri}]}

    job = await wait_for(endpoint, await submit(endpoint, job_input), FINAL)

    assert job["status"] == "COMPLETED", job
    assert job["output"]["images"][0]["filename"] == "barn_00001_.png"
    assert output_image(job).size == (96, 64)


async def test_workflow_without_a_source_image_fails(
    endpoint: httpx.AsyncClient, img2img_template
) -> None:
    job = await wait_for(
        endpoint, await submit(endpoint, {"workflow": img2img_template.fill({})}), FINAL
    )

    assert job["status"] == "FAILED"
    assert "Node Type: easy loadImageBase64, Node ID: 216" in job["output"]["details"][0]


async def test_runsync_returns_the_finished_job(endpoint: httpx.AsyncClient, img2img_input) -> None:
    response = await endpoint.post("/runsync", json={"input": img2img_input()})

    job = response.json()
    assert job["status"] == "COMPLETED"
    assert job["id"].startswith("sync-")
    assert output_image(job).size == (256, 160)


async def test_runsync_returns_the_status_when_the_job_outlasts_the_wait(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, hang_rate=1.0)

    response = await endpoint.post(
        "/runsync", params={"wait": 1000}, json={"input": img2img_input()}
    )

    assert response.json()["status"] == "IN_PROGRESS"
    assert set(response.json()) == {"id", "status"}


async def test_execution_timeout_policy_times_out_a_hanging_job(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, hang_rate=1.0)

    job_id = await submit(endpoint, img2img_input(), policy={"executionTimeout": 50})

    job = await wait_for(endpoint, job_id, FINAL)
    assert job["status"] == "TIMED_OUT"
    assert "executionTimeout" in job["error"]


async def test_worker_limit_queues_jobs_until_a_slot_frees(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, workers=1, hang_rate=1.0)
    blocking = await submit(endpoint, img2img_input())
    await wait_for(endpoint, blocking, {"IN_PROGRESS"})
    await configure(admin, hang_rate=0.0)
    queued = await submit(endpoint, img2img_input())

    assert (await endpoint.get(f"/status/{queued}")).json()["status"] == "IN_QUEUE"
    health = (await endpoint.get("/health")).json()
    assert health["jobs"]["inQueue"] == 1
    assert health["workers"] == {"idle": 0, "running": 1}

    await endpoint.post(f"/cancel/{blocking}")
    assert (await wait_for(endpoint, queued, FINAL))["status"] == "COMPLETED"


async def test_unknown_endpoint_is_404_when_endpoints_are_listed(
    runpod: RunningRunPod, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, endpoint_ids=["known"])
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(base_url=runpod.api_base, headers=headers) as client:
        unknown = await client.post("/unknown/run", json={"input": img2img_input()})
        known = await client.post("/known/run", json={"input": img2img_input()})

    assert unknown.status_code == 404
    assert known.status_code == 200


async def test_admin_config_can_be_read_changed_and_reset(
    endpoint: httpx.AsyncClient, admin: httpx.AsyncClient, img2img_input
) -> None:
    await configure(admin, latency_s=0.0, failure_rate=0.5)
    config = (await admin.get("/config")).json()
    assert (config["latency_s"], config["failure_rate"], config["api_key"]) == (0.0, 0.5, API_KEY)
    assert (await admin.put("/config", json={"failure_rate": 2})).status_code == 400
    assert (await admin.put("/config", json={"no_such_setting": 1})).status_code == 400
    await submit(endpoint, img2img_input())

    assert (await admin.post("/reset")).status_code == 200

    listing = (await admin.get("/jobs")).json()
    assert listing == {"jobs": [], "counters": {}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_module_entry_point_serves_the_runpod_emulator() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "actormaker.emulators", "runpod", "--port", str(port)]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        async with httpx.AsyncClient() as client, asyncio.timeout(WAIT_TIMEOUT):
            while True:
                try:
                    response = await client.get(f"http://127.0.0.1:{port}/v2/any/health")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
        assert response.json()["jobs"]["completed"] == 0
    finally:
        process.terminate()
        async with asyncio.timeout(WAIT_TIMEOUT):
            await process.wait()


async def test_uploaded_bytes_that_are_not_an_image_fail_the_load_image_node(
    endpoint: httpx.AsyncClient,
) -> None:
    workflow = {
        "3": {"class_type": "KSampler", "inputs": {"seed": 5, "denoise": 0.6}},
        "10": {"class_type": "LoadImage", "inputs": {"image": "input.png"}},
    }
    not_an_image = base64.b64encode(b"plain text, not pixels").decode()
    job_input = {"workflow": workflow, "images": [{"name": "input.png", "image": not_an_image}]}

    job = await wait_for(endpoint, await submit(endpoint, job_input), FINAL)

    assert job["status"] == "FAILED"
    assert "Node Type: LoadImage, Node ID: 10" in job["output"]["details"][0]
