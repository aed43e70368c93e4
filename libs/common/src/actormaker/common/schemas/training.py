"""The LoRA-training contract: hyperparameters, a frozen dataset, and the command that trains.

Seed 004 and TRAINING_NOTES.md. The gateway validates what a user sends against
`TrainingParameters` (keeping every value exactly as sent) and freezes the selection set into a
content-addressed dataset; the training worker uploads that dataset, runs the trainer once,
and keeps the LoRA under its version's canonical name.
"""

import re
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actormaker.common.schemas.base import Command

STEPS_PER_IMAGE = 40  # the seed's "40 steps x image count"
MIN_STEPS, MAX_STEPS = 100, 10_000  # a FluxTrainLoop runs at most 10000 steps
TRIGGER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .-]{1,62}[A-Za-z0-9_]$")
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class LrScheduler(StrEnum):
    """OptimizerConfig.lr_scheduler: ComfyUI refuses anything outside these five."""

    CONSTANT = "constant"
    COSINE = "cosine"
    COSINE_WITH_RESTARTS = "cosine_with_restarts"
    POLYNOMIAL = "polynomial"
    CONSTANT_WITH_WARMUP = "constant_with_warmup"


class Optimizer(StrEnum):
    ADAMW8BIT = "adamw8bit"
    ADAMW = "adamw"
    PRODIGY = "prodigy"
    CAME = "CAME"
    LION8BIT = "Lion8bit"
    LION = "Lion"
    ADAMW_SCHEDULE_FREE = "adamwschedulefree"
    SGD_SCHEDULE_FREE = "sgdschedulefree"
    ADEMAMIX8BIT = "AdEMAMix8bit"
    PAGED_ADEMAMIX8BIT = "PagedAdEMAMix8bit"
    PRODIGY_PLUS_SCHEDULE_FREE = "ProdigyPlusScheduleFree"


class Precision(StrEnum):
    FP32 = "fp32"
    FP16 = "fp16"
    BF16 = "bf16"


class Backend(StrEnum):
    """Who trains: the seed's RunPod FluxTrainer container, or Replicate's trainings API."""

    RUNPOD = "runpod"
    REPLICATE = "replicate"


class TrainingParameters(BaseModel):
    """What a user may set, with the seed's recommended defaults (all optional).

    The names are the seed's version record's. `max_train_steps` left out means 40 per image;
    `class_tokens` is the trigger (the style's or actor's own when left out). Bounds are
    TRAINING_NOTES section 3.2.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    network_dim: int = Field(default=16, ge=1, le=128)
    network_alpha: float = Field(default=16, gt=0, le=128)
    learning_rate: float = Field(default=1e-4, gt=0, le=1e-3)
    max_train_steps: int | None = Field(default=None, ge=MIN_STEPS, le=MAX_STEPS)
    class_tokens: str | None = Field(default=None, pattern=TRIGGER.pattern)
    lr_scheduler: LrScheduler = LrScheduler.COSINE_WITH_RESTARTS
    lr_scheduler_num_cycles: int = Field(default=3, ge=1, le=100)
    lr_warmup_steps: int = Field(default=0, ge=0, le=MAX_STEPS)
    optimizer_type: Optimizer = Optimizer.ADAMW8BIT
    batch_size: int = Field(default=2, ge=1, le=16)
    num_repeats: int = Field(default=10, ge=1, le=100)
    gradient_dtype: Precision = Precision.BF16
    save_dtype: Precision | None = None  # the gradient dtype when left out, as the seed did
    resolution: int = Field(default=512, ge=256, le=2048, multiple_of=64)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.network_alpha > self.network_dim:
            raise ValueError(
                f"network_alpha ({self.network_alpha:g}) must not exceed network_dim "
                f"({self.network_dim}): a larger alpha scales the LoRA up and overshoots"
            )
        if self.max_train_steps is not None and self.lr_warmup_steps >= self.max_train_steps:
            raise ValueError(
                f"lr_warmup_steps ({self.lr_warmup_steps}) must be below max_train_steps "
                f"({self.max_train_steps})"
            )
        return self

    def resolved(self, *, image_count: int, trigger: str) -> "TrainingConfig":
        """Every value the trainer needs: the ones sent kept as they are, defaults for the rest."""
        steps = self.max_train_steps
        if steps is None:
            steps = min(max(STEPS_PER_IMAGE * image_count, MIN_STEPS), MAX_STEPS)
        values = self.model_dump() | {
            "max_train_steps": steps,
            "class_tokens": self.class_tokens or trigger,
            "save_dtype": self.save_dtype or self.gradient_dtype,
        }
        return TrainingConfig.model_validate(values)


class TrainingConfig(TrainingParameters):
    """Parameters with nothing left to decide: what a run was trained with."""

    max_train_steps: int = Field(ge=MIN_STEPS, le=MAX_STEPS)
    class_tokens: str = Field(pattern=TRIGGER.pattern)
    save_dtype: Precision


class DatasetFile(BaseModel):
    """One file the trainer gets: its name in the flat training folder, and its frozen bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]+\.(png|jpg|jpeg|webp|bmp|txt)$")
    sha256: Sha256
    size: int = Field(ge=0)
    blob_key: str  # where its bytes are kept in workspace storage, by hash


class TrainLora(Command):
    """Train one LoRA version on a frozen dataset; the LoRA is kept at `lora_key`."""

    SERVICE = "training"
    ACTION = "lora"

    version_id: str = Field(pattern=r"^(style|actor)_[A-Za-z0-9_-]{1,80}_v[0-9]{1,6}$")
    owner_kind: Literal["style", "actor"]
    owner_id: str
    backend: Backend = Backend.RUNPOD
    trigger: str = Field(pattern=TRIGGER.pattern)
    config: TrainingConfig
    dataset_id: Sha256
    files: tuple[DatasetFile, ...] = Field(min_length=2)
    lora_key: str

    @property
    def mode(self) -> str:
        """The seed container's training_config.mode."""
        return f"custom-{self.owner_kind}s"

    @property
    def image_count(self) -> int:
        return sum(1 for file in self.files if not file.name.endswith(".txt"))


class TrainedLora(BaseModel):
    """What a run produced: the LoRA in our storage, and where the trainer had put it."""

    lora_key: str
    lora_name: str
    size_bytes: int
    sha256: Sha256
    tensors: int
    provider_url: str | None = None
    provider_job_id: str
