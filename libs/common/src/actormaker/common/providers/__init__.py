"""Calling providers: one paced, retrying HTTP client, and provider jobs in one vocabulary."""

from actormaker.common.providers.errors import ProviderRejected, ProviderUnavailable
from actormaker.common.providers.http import ProviderHttp
from actormaker.common.providers.jobs import (
    JobState,
    PollPolicy,
    ProviderJob,
    ProviderJobFailed,
    ProviderJobForgotten,
    ProviderJobOverran,
    ProviderJobs,
)
from actormaker.common.providers.settings import ProviderSettings
from actormaker.common.providers.throttle import TokenBucket
from actormaker.common.providers.transport import ProviderTransport, RetryPolicy

__all__ = (
    "JobState",
    "PollPolicy",
    "ProviderHttp",
    "ProviderJob",
    "ProviderJobFailed",
    "ProviderJobForgotten",
    "ProviderJobOverran",
    "ProviderJobs",
    "ProviderRejected",
    "ProviderSettings",
    "ProviderTransport",
    "ProviderUnavailable",
    "RetryPolicy",
    "TokenBucket",
)
