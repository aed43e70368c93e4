"""The seed's RunPod training container: FluxTrainer workflow, S3 URLs, training_config.

Request shape: seed 004 and TRAINING_NOTES 2.2. The trigger is in every caption already (the
gateway froze them so), so node 109's `class_tokens` is empty: FluxTrainer prepends
class_tokens to each caption, and a trigger there too would appear twice.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actormaker.common.bus import ItemContext
from actormaker.common.comfy import WorkflowTemplate
from actormaker.common.errors import PermanentError
from actormaker.common.providers import ProviderJob
from actormaker.common.runpod import RunPodClient
from actormaker.common.s3transfer import read_object
from actormaker.common.s3urls import BucketAllowList, ForeignBucket, InvalidS3Url, parse_s3_url
from actormaker.common.schemas.training import TrainedLora, TrainLora
from actormaker.training.backends import report_steps
from actormaker.training.loras import LoraKeeper
from actormaker.training.settings import TrainingSettings
from actormaker.training.uploads import UploadedDataset

TRAINING_WORKFLOW = "lora_training_workflow"
DATASET_PATH = "/training_data"
_SAMPLE_SCENES = ("a portrait in soft window light", "a city street at night, wide shot")


def load_training_template(workflows_dir: Path) -> WorkflowTemplate:
    return WorkflowTemplate.load(
        workflows_dir / f"{TRAINING_WORKFLOW}.json",
        workflows_dir / f"{TRAINING_WORKFLOW}.binding.json",
    )


def training_workflow(template: WorkflowTemplate, command: TrainLora) -> dict[str, Any]:
    """The template with this run's values; the loop's steps equal max_train_steps."""
    config = command.config
    return template.fill(
        {
            "output_name": command.version_id,
            "network_dim": config.network_dim,
            "network_alpha": float(config.network_alpha),
            "learning_rate": config.learning_rate,
            "max_train_steps": config.max_train_steps,
            "gradient_dtype": config.gradient_dtype.value,
            "save_dtype": config.save_dtype.value,
            "sample_prompts": "|".join(f"{scene}, {command.trigger}" for scene in _SAMPLE_SCENES),
            "class_tokens": "",
            "batch_size": config.batch_size,
            "num_repeats": config.num_repeats,
            "resolution": config.resolution,
            "optimizer_type": config.optimizer_type.value,
            "lr_scheduler": config.lr_scheduler.value,
            "lr_warmup_steps": config.lr_warmup_steps,
            "lr_scheduler_num_cycles": config.lr_scheduler_num_cycles,
        }
    )


@dataclass(frozen=True, kw_only=True)
class RunPodTrainer:
    """A `TrainingBackend` on the seed's RunPod training endpoint."""

    client: RunPodClient
    template: WorkflowTemplate
    settings: TrainingSettings
    s3: Any
    s3_endpoint: str | None
    keeper: LoraKeeper
    wants_zip: bool = False

    @property
    def jobs(self) -> RunPodClient:
        return self.client

    async def request(self, command: TrainLora, dataset: UploadedDataset) -> dict[str, Any]:
        config = command.config
        return {
            "input": {
                "workflow": training_workflow(self.template, command),
                "training_data": {"s3_urls": dataset.s3_urls},
                "training_config": {
                    "mode": command.mode,
                    "user_id": self.settings.user_id,
                    "tenant_id": self.settings.tenant_id,
                    "request_id": command.version_id,
                    "model_name": command.version_id,
                    "learning_rate": config.learning_rate,
                    "max_train_steps": config.max_train_steps,
                },
            },
            "policy": {"executionTimeout": int(self.settings.execution_timeout_s * 1000)},
        }

    async def report(self, ctx: ItemContext, job: ProviderJob) -> None:
        output = job.output if isinstance(job.output, dict) else {}
        step, of = output.get("value"), output.get("max")
        numeric = isinstance(step, int) and isinstance(of, int)
        await report_steps(
            ctx, "RunPod", job.status, step if numeric else None, of if numeric else None
        )

    async def collect(self, command: TrainLora, job: ProviderJob) -> TrainedLora:
        url = lora_url(job.output)
        try:
            location = parse_s3_url(
                url, custom_endpoints=[self.s3_endpoint] if self.s3_endpoint else []
            )
            BucketAllowList(frozenset({self.settings.bucket})).check(location)
        except (InvalidS3Url, ForeignBucket) as error:
            raise PermanentError(
                f"RunPod job {job.id} returned an unusable LoRA URL: {error}"
            ) from error
        data = await read_object(self.s3, location)
        return await self.keeper.keep(
            command, data, provider_job_id=job.id, provider_url=location.s3_uri
        )


def lora_url(output: object) -> str:
    """Where the container says it put the LoRA: `loraUrl`, `s3_url` or model_info's URL."""
    if isinstance(output, dict):
        info = output.get("model_info")
        candidates = (
            output.get("loraUrl"),
            output.get("s3_url"),
            info.get("download_url") if isinstance(info, dict) else None,
        )
        for candidate in candidates:
            if isinstance(candidate, str) and candidate:
                return candidate
    raise PermanentError(f"the training output names no LoRA URL: {str(output)[:200]!r}")
