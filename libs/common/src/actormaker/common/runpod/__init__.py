"""The RunPod serverless client: submit with /run, poll /status, cancel; never /runsync."""

from actormaker.common.runpod.client import CancelCheck, RunPodClient, StatusCallback
from actormaker.common.runpod.errors import (
    RunPodJobExpired,
    RunPodJobFailed,
    RunPodRejected,
    RunPodUnavailable,
    RunPodWaitTimeout,
)
from actormaker.common.runpod.models import (
    PollPolicy,
    RetryPolicy,
    RunPodHealth,
    RunPodJob,
    RunPodStatus,
)

__all__ = (
    "CancelCheck",
    "PollPolicy",
    "RetryPolicy",
    "RunPodClient",
    "RunPodHealth",
    "RunPodJob",
    "RunPodJobExpired",
    "RunPodJobFailed",
    "RunPodRejected",
    "RunPodStatus",
    "RunPodUnavailable",
    "RunPodWaitTimeout",
    "StatusCallback",
)
