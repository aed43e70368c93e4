"""Replicate's trainings API, emulated (TRAINING_NOTES section 4), for ostris' Flux LoRA trainer.

A training downloads its `input_images` zip, "trains" for `training_s` while its `logs` grow
with tqdm lines, and succeeds with `output.weights`, a tar holding `lora.safetensors` that
the emulator serves. Its webhooks are signed like predictions' and honour the events filter.
"""

import asyncio
import io
import tarfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from actormaker.emulators.lora_files import lora_file
from actormaker.emulators.replicate_wire import iso, new_id

if TYPE_CHECKING:
    from actormaker.emulators.replicate_predictions import ReplicateEmulator

TRAINER = "ostris/flux-dev-lora-trainer"
TRAINER_VERSION = "e440909d3512c31646ee2e0c7d6f6f4923224863a6a10c494606e79fb5844497"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
FINAL_STATUSES = frozenset({"succeeded", "failed", "canceled"})
_LOG_LINES = 10
WebhookEvent = Literal["start", "output", "logs", "completed"]


class TrainerInput(BaseModel):
    """The trainer's inputs that the emulator checks (others are accepted as they come)."""

    model_config = ConfigDict(extra="allow")

    input_images: str = Field(min_length=1)
    trigger_word: str = "TOK"
    steps: int = Field(default=1000, ge=3, le=6000)
    lora_rank: int = Field(default=16, ge=1, le=128)
    learning_rate: float = Field(default=4e-4, gt=0)
    batch_size: int = Field(default=1, ge=1)


class TrainingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    destination: str = Field(pattern=r"^[a-z0-9_.-]+/[a-z0-9_.-]+$")
    input: dict[str, Any]
    webhook: str | None = None
    webhook_events_filter: list[WebhookEvent] | None = None


@dataclass(kw_only=True)
class EmulatedTraining:
    id: str
    destination: str
    input: dict[str, Any]
    api_base: str
    webhook: str | None
    webhook_events: list[str] | None
    created_at: datetime
    status: str = "starting"
    started_at: datetime | None = None
    completed_at: datetime | None = None
    logs: str = ""
    error: str | None = None
    doomed: bool = False
    weights: bytes | None = None
    version: str | None = None
    task: asyncio.Task[None] | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def get_url(self) -> str:
        return f"{self.api_base}/v1/trainings/{self.id}"

    def wire(self) -> dict[str, Any]:
        """The training object of GET /v1/trainings/{id} and of its webhooks."""
        output = None
        if self.status == "succeeded":
            weights = f"{self.api_base}/files/trainings/{self.id}/weights.tar"
            output = {"version": self.version, "weights": weights}
        metrics = {}
        if self.completed_at is not None and self.started_at is not None:
            metrics["predict_time"] = (self.completed_at - self.started_at).total_seconds()
        return {
            "id": self.id,
            "model": TRAINER,
            "version": TRAINER_VERSION,
            "destination": self.destination,
            "input": self.input,
            "status": self.status,
            "logs": self.logs,
            "output": output,
            "error": self.error,
            "created_at": iso(self.created_at),
            "started_at": iso(self.started_at),
            "completed_at": iso(self.completed_at),
            "metrics": metrics,
            "urls": {"get": self.get_url, "cancel": f"{self.get_url}/cancel"},
        }

    def wants(self, event: str) -> bool:
        # start and completed are always sent; output and logs only when asked for.
        events = self.webhook_events
        return self.webhook is not None and (
            event in ("start", "completed") or events is None or event in events
        )


@dataclass
class Trainings:
    """The account's trainings, sharing the predictions' emulator for counters and webhooks."""

    emulator: "ReplicateEmulator"
    runs: dict[str, EmulatedTraining] = field(default_factory=dict)

    def submit(
        self, request: TrainingRequest, checked: TrainerInput, *, api_base: str
    ) -> EmulatedTraining:
        training = EmulatedTraining(
            id=new_id(),
            destination=request.destination,
            input=request.input,
            api_base=api_base,
            webhook=request.webhook,
            webhook_events=request.webhook_events_filter,
            created_at=datetime.now(UTC),
            doomed=self.emulator.doomed(),
        )
        self.runs[training.id] = training
        self.emulator.note(TRAINER, "submitted")
        training.task = asyncio.create_task(
            self._run(training, checked), name=f"training-{training.id}"
        )
        return training

    def cancel(self, training_id: str) -> EmulatedTraining | None:
        training = self.runs.get(training_id)
        if training is None:
            return None
        self.emulator.note(TRAINER, "cancelled")
        if not training.is_final:
            if training.task is not None:
                training.task.cancel()
            self._finish(training, "canceled")
        return training

    def page(self, offset: int, size: int) -> tuple[list[EmulatedTraining], bool]:
        newest_first = list(reversed(self.runs.values()))
        return newest_first[offset : offset + size], offset + size < len(newest_first)

    async def close(self) -> None:
        tasks = [t.task for t in self.runs.values() if t.task and not t.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def clear(self) -> None:
        self.runs.clear()

    async def _run(self, training: EmulatedTraining, checked: TrainerInput) -> None:
        training.status = "processing"
        training.started_at = datetime.now(UTC)
        self._notify(training, "start")
        problem = await self._dataset_problem(checked.input_images)
        if problem is not None:
            self._finish(training, "failed", error=problem)
            return
        seconds = self.emulator.config.training_s
        for line in range(1, _LOG_LINES + 1):
            await asyncio.sleep(seconds / _LOG_LINES)
            training.logs += _progress_line(checked.steps * line // _LOG_LINES, checked.steps)
            self._notify(training, "logs")
        if training.doomed:
            self._finish(training, "failed", error="CUDA out of memory (emulated failure)")
            return
        training.weights = _weights_tar(checked)
        training.version = f"{training.destination}:{training.id}{'0' * 38}"[:90]
        self._finish(training, "succeeded")

    async def _dataset_problem(self, url: str) -> str | None:
        try:
            response = await self.emulator.fetch(url)
        except httpx.HTTPError as error:
            return f"could not download input_images: {error!r}"
        if response.status_code != 200:
            return f"could not download input_images: HTTP {response.status_code}"
        try:
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return "input_images is not a zip file"
        if not any(name.lower().endswith(IMAGE_SUFFIXES) for name in names):
            return "input_images holds no images"
        return None

    def _finish(self, training: EmulatedTraining, status: str, *, error: str | None = None) -> None:
        if training.is_final:
            return
        training.status = status
        training.error = error
        training.completed_at = datetime.now(UTC)
        self._notify(training, "completed")

    def _notify(self, training: EmulatedTraining, event: str) -> None:
        if training.wants(event):
            assert training.webhook is not None
            self.emulator.send_signed(training.wire(), training.webhook, counted_for=TRAINER)


def _progress_line(step: int, steps: int) -> str:
    percent = 100 * step // steps
    bar = ("#" * (percent // 10)).ljust(10)
    return f"flux_train_replicate: {percent:3d}%|{bar}| {step}/{steps} [00:01<00:01, 40.00it/s]\n"


def _weights_tar(checked: TrainerInput) -> bytes:
    lora = lora_file(
        dim=checked.lora_rank,
        alpha=float(checked.lora_rank),
        save_dtype="bf16",
        metadata={"ss_network_dim": str(checked.lora_rank), "trigger_word": checked.trigger_word},
    )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        member = tarfile.TarInfo("output/flux_train_replicate/lora.safetensors")
        member.size = len(lora)
        archive.addfile(member, io.BytesIO(lora))
    return buffer.getvalue()
