"""The provider-job ledger's record: one per job, item and step, kept in the `provider_jobs` bucket.

Workers write it (before they wait on a provider), the gateway's webhook route reads it. A step
that is `succeeded` carries what it produced, so a redelivered item resumes after it.
"""

import re
from datetime import datetime
from enum import StrEnum
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from actormaker.common.schemas.base import utcnow

STEP_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_KEY = re.compile(
    r"^(?P<job>[0-9a-f-]{36})\.(?P<item>[0-9a-f-]{36})\.(?P<step>[a-z][a-z0-9_-]{0,39})$"
)


class StepState(StrEnum):
    SUBMITTING = "submitting"  # about to submit: whether the provider got it is unknown
    SUBMITTED = "submitted"  # the provider has the job; someone waits for it
    SUCCEEDED = "succeeded"  # done; `outputs` holds what it produced
    FAILED = "failed"  # failed for good; `error` says why
    CANCELLED = "cancelled"  # a user's cancel; the provider job was cancelled too
    ABANDONED = "abandoned"  # given up (it overran); the next attempt submits a new one

    @property
    def is_final(self) -> bool:
        return self in (StepState.SUCCEEDED, StepState.FAILED, StepState.CANCELLED)


class StepAddress(BaseModel):
    """Which step of which item of which job; its ledger key is `<job>.<item>.<step>`."""

    model_config = ConfigDict(frozen=True)

    job_id: UUID
    item_id: UUID
    step: str = Field(pattern=STEP_NAME.pattern)

    @property
    def key(self) -> str:
        return f"{self.job_id}.{self.item_id}.{self.step}"

    @classmethod
    def from_key(cls, key: str) -> Self | None:
        """The address a key names, or None for anything that is not a ledger key."""
        match = _KEY.match(key)
        if match is None:
            return None
        try:
            return cls(job_id=UUID(match["job"]), item_id=UUID(match["item"]), step=match["step"])
        except ValueError:
            return None


class StepRecord(StepAddress):
    """What the ledger knows about one step."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    state: StepState
    provider: str | None = None  # None for a step done without a provider
    provider_job_id: str | None = None
    provider_status: str | None = None
    submissions: int = 0
    resubmitted_forgotten: bool = False
    submitted_at: datetime | None = None
    updated_at: datetime
    webhook_digests: tuple[str, ...] = ()  # one per submission, so late webhooks still match
    outputs: dict[str, JsonValue] | None = None
    error: str | None = None

    def moved(self, state: StepState, **changes: object) -> Self:
        """A copy in `state` with `changes`, stamped now."""
        return self.model_copy(update={"state": state, "updated_at": utcnow(), **changes})
