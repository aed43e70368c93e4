"""The RunPod serverless client: submit with /run, poll /status, cancel; never /runsync."""

from actormaker.common.runpod.client import PROVIDER, RunPodClient
from actormaker.common.runpod.models import RunPodHealth, RunPodJob, RunPodStatus
from actormaker.common.runpod.settings import RunPodSettings

__all__ = (
    "PROVIDER",
    "RunPodClient",
    "RunPodHealth",
    "RunPodJob",
    "RunPodSettings",
    "RunPodStatus",
)
