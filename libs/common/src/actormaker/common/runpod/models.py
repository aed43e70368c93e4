"""RunPod's job and health objects."""

import json
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from actormaker.common.providers import JobState


class RunPodStatus(StrEnum):
    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMED_OUT = "TIMED_OUT"


FINAL_STATUSES = frozenset(
    {RunPodStatus.COMPLETED, RunPodStatus.FAILED, RunPodStatus.TIMED_OUT, RunPodStatus.CANCELLED}
)
_STATES = {
    RunPodStatus.IN_QUEUE: JobState.QUEUED,
    RunPodStatus.COMPLETED: JobState.SUCCEEDED,
    RunPodStatus.FAILED: JobState.FAILED,
    RunPodStatus.TIMED_OUT: JobState.FAILED,
    RunPodStatus.CANCELLED: JobState.CANCELLED,
}


class RunPodJob(BaseModel):
    """A job object as returned by /status (unknown statuses are kept as plain strings)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str
    status: str
    output: JsonValue = None
    error: str | None = None
    delay_time: int | None = Field(default=None, alias="delayTime")
    execution_time: int | None = Field(default=None, alias="executionTime")

    @field_validator("error", mode="before")
    @classmethod
    def _error_as_text(cls, value: object) -> object:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def state(self) -> JobState:
        """The status in the providers' shared vocabulary; anything unknown is running.

        A handler that returns an error instead of raising ends COMPLETED with an output that
        says it failed (TRAINING_NOTES 2.4): that is a failure, not a result.
        """
        known = self.known_status
        if known is RunPodStatus.COMPLETED and self.output_error() is not None:
            return JobState.FAILED
        return _STATES.get(known, JobState.RUNNING) if known else JobState.RUNNING

    def output_error(self) -> str | None:
        """The error a COMPLETED job's output reports (`status: failed` or an `error`), if any."""
        if not isinstance(self.output, dict):
            return None
        error = self.output.get("error")
        if str(self.output.get("status", "")).lower() == "failed":
            return str(error or "the handler reported failure without a message")
        return str(error) if isinstance(error, str) and error else None

    @property
    def known_status(self) -> RunPodStatus | None:
        try:
            return RunPodStatus(self.status)
        except ValueError:
            return None

    def error_message(self) -> str | None:
        """The provider's error as readable text: the JSON error-dict form is unpacked."""
        if self.error is None:
            return None
        try:
            decoded = json.loads(self.error)
        except ValueError:
            return self.error
        if not isinstance(decoded, dict):
            return self.error
        message = decoded.get("error_message") or decoded.get("message") or decoded.get("error")
        if not message:
            return self.error
        kind = decoded.get("error_type")
        return f"{kind}: {message}" if kind else str(message)

    def failure_message(self) -> str:
        """The error plus any `output.details` lines (worker-comfyui puts node errors there)."""
        message = self.error_message() or self.output_error()
        parts = [message or f"job ended {self.status} without an error message"]
        if isinstance(self.output, dict) and isinstance(self.output.get("details"), list):
            parts.extend(str(detail) for detail in self.output["details"])
        return "; ".join(parts)


class RunPodHealth(BaseModel):
    jobs: dict[str, int] = {}
    workers: dict[str, int] = {}
