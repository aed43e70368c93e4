"""An httpx transport that paces and retries every request to one provider.

Being a transport, it serves our own clients and the providers' SDKs alike (both take an
httpx client or transport), so pacing and retrying are written once for every provider.
"""

import asyncio
import logging
import random
import time
from dataclasses import dataclass

import httpx
from opentelemetry.trace import SpanKind

from actormaker.common.metrics import PROVIDER_REQUESTS, PROVIDER_RETRIES, PROVIDER_SECONDS
from actormaker.common.providers.errors import is_retryable, retry_after
from actormaker.common.providers.throttle import TokenBucket
from actormaker.common.tracing import tracer

log = logging.getLogger(__name__)

RETRIED_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
ATTEMPTS = "actormaker.attempts"  # response extension: how many sends the answer took


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How one HTTP request is retried on 429, 5xx and connection trouble."""

    max_attempts: int = 5
    initial_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0

    def delay(self, attempt: int, *, rng: random.Random) -> float:
        """Backoff before retry number `attempt` (1-based), with equal jitter."""
        base = min(self.initial_delay * self.factor ** (attempt - 1), self.max_delay)
        return base / 2 + rng.uniform(0, base / 2)

    def delay_for(self, attempt: int, *, hinted: float | None, rng: random.Random) -> float:
        """The backoff, stretched to a Retry-After hint but never past `max_delay`."""
        delay = self.delay(attempt, rng=rng)
        if hinted is None:
            return delay
        return min(max(delay, hinted), self.max_delay)


class ProviderTransport(httpx.AsyncBaseTransport):
    """Sends each request at most `requests_per_second`, retrying what may succeed later.

    After the last attempt the final response is returned (or the transport error raised) for
    the caller to map onto an outcome; `response.extensions[ATTEMPTS]` says how many it took.
    """

    def __init__(
        self,
        provider: str,
        *,
        retry: RetryPolicy,
        requests_per_second: float | None = None,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.provider = provider
        self.retry = retry
        self._bucket = TokenBucket(requests_per_second) if requests_per_second else None
        self._inner = inner or httpx.AsyncHTTPTransport()
        self._rng = random.Random()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        name = f"{self.provider} {request.method} {request.url.path}"
        with tracer.start_as_current_span(name, kind=SpanKind.CLIENT) as span:
            response = await self._send_with_retries(request)
            span.set_attributes(
                {
                    "http.status_code": response.status_code,
                    "attempts": response.extensions[ATTEMPTS],
                }
            )
            return response

    async def _send_with_retries(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            if self._bucket is not None:
                await self._bucket.acquire()
            try:
                response = await self._send_once(request)
            except RETRIED_TRANSPORT_ERRORS as error:
                if attempt >= self.retry.max_attempts:
                    raise
                reason, hinted = _describe(error), None
                PROVIDER_RETRIES.labels(self.provider, "connection").inc()
            else:
                if not is_retryable(response.status_code) or attempt >= self.retry.max_attempts:
                    response.extensions = {**response.extensions, ATTEMPTS: attempt}
                    return response
                await response.aread()
                await response.aclose()
                reason, hinted = f"HTTP {response.status_code}", retry_after(response)
                PROVIDER_RETRIES.labels(self.provider, _retry_reason(response.status_code)).inc()
            delay = self.retry.delay_for(attempt, hinted=hinted, rng=self._rng)
            log.warning(
                "provider request retried",
                extra={
                    "provider": self.provider,
                    "path": request.url.path,
                    "attempt": attempt,
                    "reason": reason,
                    "retry_in_s": round(delay, 3),
                },
            )
            await asyncio.sleep(delay)

    async def _send_once(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        try:
            response = await self._inner.handle_async_request(request)
        except Exception:
            PROVIDER_REQUESTS.labels(self.provider, "error").inc()
            raise
        finally:
            PROVIDER_SECONDS.labels(self.provider).observe(time.monotonic() - started)
        PROVIDER_REQUESTS.labels(self.provider, str(response.status_code)).inc()
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def _retry_reason(status: int) -> str:
    return "429" if status == 429 else "5xx"


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
