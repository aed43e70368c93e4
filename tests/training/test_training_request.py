"""The seed's RunPod training request, built from the bound template and a run's values."""

import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError

from actormaker.common.providers import JobState
from actormaker.common.runpod.models import RunPodJob
from actormaker.common.schemas.training import DatasetFile, TrainingParameters, TrainLora
from actormaker.training.runpod_trainer import (
    load_training_template,
    lora_url,
    training_workflow,
)

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def command(parameters: TrainingParameters, *, images: int = 3) -> TrainLora:
    config = parameters.resolved(image_count=images, trigger="style inknoir")
    files = [
        DatasetFile(name=f"img_{n:04d}.{ext}", sha256="0" * 64, size=1, blob_key="b")
        for n in range(1, images + 1)
        for ext in ("jpg", "txt")
    ]
    return TrainLora(
        job_id=uuid.uuid4(),
        item_id=uuid.uuid4(),
        item_key="style_s1_v1",
        version_id="style_s1_v1",
        owner_kind="style",
        owner_id="s1",
        trigger=config.class_tokens,
        config=config,
        dataset_id="a" * 64,
        files=tuple(files),
        lora_key="loras/styles/s1/style_s1_v1.safetensors",
    )


def test_steps_default_to_forty_per_image_and_an_explicit_value_is_kept_as_sent() -> None:
    assert command(TrainingParameters(), images=30).config.max_train_steps == 1200
    # The original app replaced exactly 2000 by its own formula; here a value sent is the value.
    kept = command(TrainingParameters(max_train_steps=2000), images=30)
    assert kept.config.max_train_steps == 2000


def test_the_loop_runs_exactly_max_train_steps_and_the_trigger_is_never_prepended() -> None:
    template = load_training_template(WORKFLOWS)
    run = command(TrainingParameters(max_train_steps=2000, network_dim=32, network_alpha=16))
    workflow = training_workflow(template, run)
    assert workflow["107"]["inputs"]["max_train_steps"] == workflow["4"]["inputs"]["steps"] == 2000
    assert workflow["107"]["inputs"]["network_dim"] == 32
    assert workflow["107"]["inputs"]["output_name"] == "style_s1_v1"
    # The captions carry the trigger; FluxTrainer would prepend class_tokens to each again.
    assert workflow["109"]["inputs"]["class_tokens"] == ""
    assert workflow["109"]["inputs"]["dataset_path"] == "/training_data"
    assert workflow["133"]["class_type"] == "FluxTrainEnd"
    assert all("style inknoir" in p for p in workflow["107"]["inputs"]["sample_prompts"].split("|"))


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"network_dim": 0}, "network_dim"),
        ({"network_dim": 8, "network_alpha": 16}, "must not exceed network_dim"),
        ({"learning_rate": 0.01}, "learning_rate"),
        ({"max_train_steps": 99}, "max_train_steps"),
        ({"max_train_steps": 20_000}, "max_train_steps"),
        ({"lr_scheduler": "linear"}, "lr_scheduler"),
        ({"optimizer_type": "sgd"}, "optimizer_type"),
        ({"max_train_steps": 500, "lr_warmup_steps": 500}, "lr_warmup_steps"),
        ({"class_tokens": "no/slashes"}, "class_tokens"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_parameters_out_of_bounds_are_refused_naming_the_field(
    values: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        TrainingParameters.model_validate(values)


def test_a_completed_job_whose_handler_reported_failure_is_a_failure() -> None:
    failed = RunPodJob(
        id="abc-e1",
        status="COMPLETED",
        output={"status": "failed", "job_id": "style_s1_v1", "error": "No files were downloaded"},
    )
    assert failed.state is JobState.FAILED
    assert "No files were downloaded" in failed.failure_message()
    ok = RunPodJob(id="abc-e1", status="COMPLETED", output={"status": "success", "loraUrl": "x"})
    assert ok.state is JobState.SUCCEEDED


def test_the_lora_url_is_found_wherever_the_container_put_it() -> None:
    assert lora_url({"loraUrl": "s3://b/k"}) == "s3://b/k"
    assert lora_url({"s3_url": "s3://b/k"}) == "s3://b/k"
    assert lora_url({"model_info": {"download_url": "s3://b/k"}}) == "s3://b/k"
    with pytest.raises(Exception, match="names no LoRA URL"):
        lora_url({"status": "success"})
