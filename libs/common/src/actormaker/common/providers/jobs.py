"""What a provider that runs jobs offers (submit, status, cancel), in one vocabulary.

RunPod says IN_QUEUE / IN_PROGRESS / COMPLETED / FAILED / CANCELLED / TIMED_OUT, Replicate says
starting / processing / succeeded / failed / canceled; both map onto JobState, and an unknown
status counts as running.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from pydantic import JsonValue

from actormaker.common.errors import PermanentError, TransientError


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class ProviderJob(Protocol):
    """A provider's view of one job, as its status API answers."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def state(self) -> JobState: ...
    @property
    def output(self) -> JsonValue: ...
    def failure_message(self) -> str: ...


class ProviderJobs(Protocol):
    """Submitting, polling and cancelling jobs on one provider endpoint."""

    @property
    def provider(self) -> str:
        """The provider's name, e.g. "RunPod"; its lower-case form names its webhook route."""
        ...

    async def submit(self, request: Mapping[str, Any], *, webhook: str | None = None) -> str:
        """Submit a job and return the provider's id for it, exactly as given."""
        ...

    async def status(self, job_id: str) -> ProviderJob:
        """The job now; raises ProviderJobForgotten when the provider no longer knows it."""
        ...

    async def cancel(self, job_id: str) -> None: ...


class ProviderJobForgotten(PermanentError):
    """The provider answers 404 for a job it was given: expired, purged, or never stored."""

    def __init__(self, provider: str, job_id: str) -> None:
        self.provider = provider
        self.job_id = job_id
        super().__init__(f"{provider} job {job_id} expired or is unknown (HTTP 404 on its status)")


class ProviderJobFailed(PermanentError):
    def __init__(self, provider: str, job_id: str, status: str, message: str) -> None:
        self.provider = provider
        self.job_id = job_id
        self.status = status
        super().__init__(f"{provider} job {job_id} {status}: {message}")


class ProviderJobOverran(TransientError):
    def __init__(self, provider: str, job_id: str, timeout: float, last_status: str | None) -> None:
        self.job_id = job_id
        super().__init__(
            f"{provider} job {job_id} did not finish within {timeout:g}s "
            f"(last status {last_status}); it was cancelled"
        )


@dataclass(frozen=True, kw_only=True)
class PollPolicy:
    """How a provider job is polled until it is final, and how long it may take."""

    initial: float = 1.0
    factor: float = 1.5
    max_interval: float = 10.0
    timeout: float = 1800.0
    not_found_grace: float = 10.0  # a provider may answer 404 for a job submitted moments ago
    # How long a delivery waits on another delivery's submit before taking it for dead: more
    # than a submit takes, less than ack_wait, after which a dead delivery's item comes back.
    submit_grace: float = 20.0

    def jittered(self, interval: float, *, rng: random.Random) -> float:
        return interval * rng.uniform(0.8, 1.2)

    def next_interval(self, interval: float) -> float:
        return min(interval * self.factor, self.max_interval)
