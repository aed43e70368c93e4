"""The seed's LoRA training container on RunPod, emulated (TRAINING_NOTES sections 1-2).

A job whose input has `training_data` is a training run. Like the container it checks the
request (a malformed one fails the job: the handler raises), downloads every S3 URL it was
given (a missing file or caption ends the job COMPLETED with `{"status": "failed"}`: the
handler returns its error), trains for `training_s` while `/status` shows step progress,
writes a small real LoRA to the output bucket and answers with its URL in the path-style
accelerate form the real container returns.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from actormaker.emulators.lora_files import lora_file

MODES = ("custom-styles", "custom-actors")
REQUIRED_CONFIG = ("mode", "user_id", "tenant_id", "request_id", "model_name")
REQUIRED_CLASSES = ("InitFluxLoRATraining", "TrainDatasetAdd", "FluxTrainEnd")
SCHEDULERS = ("constant", "cosine", "cosine_with_restarts", "polynomial", "constant_with_warmup")
OPTIMIZERS = (
    "adamw8bit", "adamw", "prodigy", "CAME", "Lion8bit", "Lion", "adamwschedulefree",
    "sgdschedulefree", "AdEMAMix8bit", "PagedAdEMAMix8bit", "ProdigyPlusScheduleFree",
)  # fmt: skip
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
_PROGRESS_UPDATES = 20


class TrainingInputError(ValueError):
    """A request the container cannot run: the job fails as if its handler raised."""


@dataclass(frozen=True)
class TrainingRun:
    s3_urls: list[str]
    config: dict[str, Any]
    dim: int
    alpha: float
    steps: int
    save_dtype: str

    @property
    def mode(self) -> str:
        return str(self.config["mode"])


@dataclass(frozen=True, kw_only=True)
class TrainingStorage:
    """Where the container reads its dataset and writes its LoRA (boto3, like the container)."""

    endpoint_url: str | None
    access_key: str | None
    secret_key: str | None
    region: str
    output_bucket: str | None

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(s3={"addressing_style": "path"}),
        )


def is_training_input(job_input: object) -> bool:
    return isinstance(job_input, dict) and "training_data" in job_input


def read_training_input(job_input: dict[str, Any]) -> TrainingRun:
    """The run a request asks for; TrainingInputError naming the first problem."""
    config = job_input.get("training_config")
    if not isinstance(config, dict):
        raise TrainingInputError("Missing required field: training_config")
    if missing := [name for name in REQUIRED_CONFIG if not config.get(name)]:
        raise TrainingInputError(f"Missing required training_config fields: {', '.join(missing)}")
    if config["mode"] not in MODES:
        raise TrainingInputError(f"training_config.mode must be one of {MODES}")
    urls = (job_input.get("training_data") or {}).get("s3_urls")
    if not isinstance(urls, list) or not urls:
        raise TrainingInputError("training_data.s3_urls must be a non-empty list")
    if bad := [url for url in urls if not _is_s3_uri(url)]:
        raise TrainingInputError(f"not an s3://bucket/key URL: {bad[0]!r}")
    workflow = _checked_workflow(job_input.get("workflow"))
    init = _node(workflow, "InitFluxLoRATraining")["inputs"]
    steps = _int_in(init, "max_train_steps", 1, 100_000)
    dim = _int_in(init, "network_dim", 1, 100_000)
    loops = [n["inputs"] for n in workflow.values() if n["class_type"] == "FluxTrainLoop"]
    looped = sum(_int_in(loop, "steps", 1, 10_000) for loop in loops)
    if loops and looped != steps:
        raise TrainingInputError(
            f"FluxTrainLoop steps total {looped} but max_train_steps is {steps}: training "
            "would stop early or overshoot"
        )
    _check_optimizer(workflow)
    return TrainingRun(
        s3_urls=urls,
        config=config,
        dim=dim,
        alpha=float(init.get("network_alpha", dim)),
        steps=steps,
        save_dtype=str(init.get("save_dtype", "bf16")),
    )


async def train(
    run: TrainingRun,
    storage: TrainingStorage,
    *,
    seconds: float,
    report: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Download, "train" with progress, upload the LoRA: the container's return value."""
    request_id = run.config["request_id"]
    problem = await asyncio.to_thread(_download_problem, run, storage)
    if problem is not None:
        return {"status": "failed", "job_id": request_id, "error": problem}
    if storage.output_bucket is None:
        raise TrainingInputError("the emulator has no training_output_bucket configured")
    started = time.monotonic()
    for update in range(1, _PROGRESS_UPDATES + 1):
        await asyncio.sleep(seconds / _PROGRESS_UPDATES)
        step = run.steps * update // _PROGRESS_UPDATES
        report({"type": "progress", "value": step, "max": run.steps,
                "percent": round(100 * step / run.steps, 1), "node": "4"})  # fmt: skip
    data = lora_file(
        dim=run.dim,
        alpha=run.alpha,
        save_dtype=run.save_dtype,
        metadata={
            "ss_network_dim": str(run.dim),
            "ss_network_alpha": str(run.alpha),
            "ss_output_name": str(run.config["model_name"]),
            "ss_max_train_steps": str(run.steps),
        },
    )
    key = f"{run.config['user_id']}/{run.mode}-models/{run.config['model_name']}.safetensors"
    await asyncio.to_thread(_upload, storage, key, data)
    url = f"https://s3-accelerate.amazonaws.com/{storage.output_bucket}/{key}"
    return {
        "status": "success",
        "job_id": request_id,
        "loraName": f"{run.config['model_name']}.safetensors",
        "loraUrl": url,
        "model_info": {"size_bytes": len(data), "model_type": "lora", "download_url": url},
        "training_type": run.mode,
        "message": f"trained {run.steps} steps in {time.monotonic() - started:.1f}s",
    }


def _download_problem(run: TrainingRun, storage: TrainingStorage) -> str | None:
    """Why the dataset cannot be used, or None: every file fetched, every image captioned."""
    s3 = storage.client()
    names = {url.rsplit("/", 1)[-1] for url in run.s3_urls}
    for url in run.s3_urls:
        bucket, _, key = url.removeprefix("s3://").partition("/")
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as error:
            return f"No such file in S3: {url} ({error.response.get('Error', {}).get('Code')})"
        if key.endswith(".txt") and not body.strip():
            return f"Caption file is empty: {url}"  # kohya asserts on a 0-byte caption
    if run.mode == "custom-styles":
        for name in sorted(names):
            stem, dot, suffix = name.rpartition(".")
            if dot and f".{suffix}" in IMAGE_SUFFIXES and f"{stem}.txt" not in names:
                return f"Missing caption for {name}: style training needs {stem}.txt"
    return None


def _upload(storage: TrainingStorage, key: str, data: bytes) -> None:
    storage.client().put_object(Bucket=storage.output_bucket, Key=key, Body=data)


def _checked_workflow(workflow: object) -> dict[str, dict[str, Any]]:
    if not isinstance(workflow, dict) or not workflow:
        raise TrainingInputError("Missing required field: workflow (an API-format graph)")
    for node_id, node in workflow.items():
        if not (isinstance(node, dict) and isinstance(node.get("class_type"), str)
                and isinstance(node.get("inputs"), dict)):  # fmt: skip
            raise TrainingInputError(f"workflow node {node_id} needs class_type and inputs")
        for name, value in node["inputs"].items():
            if isinstance(value, list) and not (
                len(value) == 2 and isinstance(value[1], int) and str(value[0]) in workflow
            ):
                raise TrainingInputError(
                    f"bad_linked_input: node {node_id} input {name} is not a link to a node"
                )
    classes = {node["class_type"] for node in workflow.values()}
    if missing := [name for name in REQUIRED_CLASSES if name not in classes]:
        raise TrainingInputError(f"invalid_prompt: the workflow has no {', '.join(missing)}")
    return workflow


def _check_optimizer(workflow: dict[str, dict[str, Any]]) -> None:
    for node in workflow.values():
        if node["class_type"] != "OptimizerConfig":
            continue
        inputs = node["inputs"]
        if inputs.get("lr_scheduler", "constant") not in SCHEDULERS:
            raise TrainingInputError(f"value_not_in_list: lr_scheduler {inputs['lr_scheduler']!r}")
        if inputs.get("optimizer_type", "adamw8bit") not in OPTIMIZERS:
            raise TrainingInputError(
                f"value_not_in_list: optimizer_type {inputs['optimizer_type']!r}"
            )


def _node(workflow: dict[str, dict[str, Any]], class_type: str) -> dict[str, Any]:
    return next(node for node in workflow.values() if node["class_type"] == class_type)


def _int_in(inputs: dict[str, Any], name: str, low: int, high: int) -> int:
    value = inputs.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise TrainingInputError(f"value_out_of_range: {name} {value!r} not in [{low}, {high}]")
    return value


def _is_s3_uri(url: object) -> bool:
    if not isinstance(url, str) or not url.startswith("s3://"):
        return False
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return bool(bucket and key)
