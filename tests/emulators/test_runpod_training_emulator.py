"""The RunPod emulator's training container: request checks, S3 downloads, progress, the LoRA."""

import copy
import json
import secrets
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from safetensors import safe_open

from actormaker.emulators.runpod import RunningRunPod
from tests.emulators.test_runpod_emulator import FINAL, configure, submit, wait_for

WORKFLOW = json.loads(
    (Path(__file__).resolve().parents[2] / "workflows" / "lora_training_workflow.json").read_text()
)


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"train-{secrets.token_hex(5)}"
    s3(s3_endpoint).create_bucket(Bucket=name)
    return name


def s3(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


@pytest.fixture
async def trainer(
    admin: httpx.AsyncClient, runpod: RunningRunPod, s3_endpoint: str, bucket: str
) -> RunningRunPod:
    await configure(
        admin,
        training_s=0.2,
        training_output_bucket=bucket,
        s3_endpoint_url=s3_endpoint,
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )
    return runpod


def dataset(endpoint: str, bucket: str, *, captions: bool = True) -> list[str]:
    client = s3(endpoint)
    urls = []
    for n in (1, 2):
        client.put_object(Bucket=bucket, Key=f"data/img_{n}.png", Body=b"png bytes")
        urls.append(f"s3://{bucket}/data/img_{n}.png")
        if captions:
            client.put_object(Bucket=bucket, Key=f"data/img_{n}.txt", Body=b"a scene, tok")
            urls.append(f"s3://{bucket}/data/img_{n}.txt")
    return urls


def training_input(
    urls: list[str], *, steps: int = 500, dim: int = 8, **changes: Any
) -> dict[str, Any]:
    workflow = copy.deepcopy(WORKFLOW)
    workflow["107"]["inputs"].update(max_train_steps=steps, network_dim=dim, network_alpha=dim)
    workflow["4"]["inputs"]["steps"] = steps
    body = {
        "workflow": workflow,
        "training_data": {"s3_urls": urls},
        "training_config": {
            "mode": "custom-styles",
            "user_id": "u1",
            "tenant_id": "t1",
            "request_id": "style_7_v1",
            "model_name": "style_7_v1",
            "learning_rate": 1e-4,
            "max_train_steps": steps,
        },
    }
    return body | changes


async def test_a_run_reports_steps_and_writes_a_loadable_lora(
    trainer: RunningRunPod,
    endpoint: httpx.AsyncClient,
    s3_endpoint: str,
    bucket: str,
    tmp_path: Path,
) -> None:
    job_id = await submit(endpoint, training_input(dataset(s3_endpoint, bucket)))
    running = await wait_for(endpoint, job_id, {"IN_PROGRESS", *FINAL})
    progress = running.get("output") or {"type": "progress"}
    assert progress["type"] == "progress"
    job = await wait_for(endpoint, job_id, FINAL)
    assert job["status"] == "COMPLETED"
    output = job["output"]
    assert output["status"] == "success"
    assert output["job_id"] == "style_7_v1"
    key = "u1/custom-styles-models/style_7_v1.safetensors"
    assert output["loraUrl"] == f"https://s3-accelerate.amazonaws.com/{bucket}/{key}"
    path = tmp_path / "lora.safetensors"
    path.write_bytes(s3(s3_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read())
    assert output["model_info"]["size_bytes"] == path.stat().st_size
    with safe_open(str(path), framework="numpy") as tensors:
        names = list(tensors.keys())
        assert tensors.metadata()["ss_network_dim"] == "8"
        shapes = {name: tensors.get_slice(name).get_shape() for name in names}
    assert all(name.startswith("lora_unet_double_blocks_") for name in names)
    assert {tuple(shape) for name, shape in shapes.items() if "lora_down" in name} == {(8, 3072)}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"training_config": {"mode": "custom-styles"}}, "Missing required training_config"),
        ({"training_data": {"s3_urls": []}}, "non-empty list"),
        ({"training_data": {"s3_urls": ["https://x/y.png"]}}, "not an s3://bucket/key"),
        (
            {"workflow": {"1": {"class_type": "FluxTrainEnd", "inputs": {"a": ["9", 0]}}}},
            "bad_linked_input",
        ),
        ({"workflow": {"1": {"class_type": "KSampler", "inputs": {}}}}, "invalid_prompt"),
    ],
)
async def test_a_malformed_request_fails_the_job_naming_the_problem(
    trainer: RunningRunPod,
    endpoint: httpx.AsyncClient,
    s3_endpoint: str,
    bucket: str,
    change: dict[str, Any],
    complaint: str,
) -> None:
    job_id = await submit(endpoint, training_input(dataset(s3_endpoint, bucket), **change))
    job = await wait_for(endpoint, job_id, FINAL)
    assert job["status"] == "FAILED"
    assert complaint in job["error"]


async def test_loop_steps_that_differ_from_max_train_steps_are_refused(
    trainer: RunningRunPod, endpoint: httpx.AsyncClient, s3_endpoint: str, bucket: str
) -> None:
    body = training_input(dataset(s3_endpoint, bucket))
    body["workflow"]["4"]["inputs"]["steps"] = 400
    job = await wait_for(endpoint, await submit(endpoint, body), FINAL)
    assert job["status"] == "FAILED"
    assert "stop early or overshoot" in job["error"]


async def test_a_missing_caption_ends_the_run_as_the_container_reports_it(
    trainer: RunningRunPod, endpoint: httpx.AsyncClient, s3_endpoint: str, bucket: str
) -> None:
    urls = dataset(s3_endpoint, bucket, captions=False)
    job = await wait_for(endpoint, await submit(endpoint, training_input(urls)), FINAL)
    # The handler returns its error: COMPLETED, with a failed output.
    assert job["status"] == "COMPLETED"
    assert job["output"]["status"] == "failed"
    assert "img_1.txt" in job["output"]["error"]
    gone = training_input([*dataset(s3_endpoint, bucket), f"s3://{bucket}/data/nope.txt"])
    job = await wait_for(endpoint, await submit(endpoint, gone), FINAL)
    assert "data/nope.txt" in job["output"]["error"]
