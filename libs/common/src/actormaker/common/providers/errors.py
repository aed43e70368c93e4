"""How any provider's HTTP trouble maps onto work outcomes, written once.

TransientError
└── ProviderUnavailable   429 / 5xx / connection trouble that outlasted the retries
PermanentError
└── ProviderRejected      401 / 400 / other 4xx: the request can never succeed as sent
"""

import json
import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from actormaker.common.errors import PermanentError, TransientError

_EXCERPT = 300
_ERROR_FIELDS = ("error", "detail", "message", "title")


class ProviderUnavailable(TransientError):
    def __init__(
        self, provider: str, operation: str, reason: str, *, delay: float | None = None
    ) -> None:
        self.provider = provider
        self.operation = operation
        self.reason = reason
        super().__init__(f"{provider} {operation} unavailable: {reason}", delay=delay)


class ProviderRejected(PermanentError):
    def __init__(self, provider: str, operation: str, status_code: int, message: str) -> None:
        self.provider = provider
        self.operation = operation
        self.status_code = status_code
        super().__init__(f"{provider} rejected {operation} (HTTP {status_code}): {message}")


def is_retryable(status_code: int) -> bool:
    """Whether a response with this status is worth sending again."""
    return status_code == httpx.codes.TOO_MANY_REQUESTS or status_code >= 500


def error_text(response: httpx.Response) -> str:
    """The provider's own words for what went wrong, cut to a readable length.

    RunPod answers `{"error"}`, Replicate `{"title", "detail"}`, OpenAI `{"error": {"message"}}`.
    """
    try:
        body = response.json()
    except ValueError:
        return response.text[:_EXCERPT] or response.reason_phrase
    if isinstance(body, dict):
        for key in _ERROR_FIELDS:
            value = body.get(key)
            if isinstance(value, dict) and value.get("message"):
                return str(value["message"])[:_EXCERPT]
            if value:
                return str(value)[:_EXCERPT]
    return json.dumps(body)[:_EXCERPT]


def retry_after(response: httpx.Response) -> float | None:
    """The response's Retry-After in seconds (delta or HTTP date), if it has a usable one."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None
