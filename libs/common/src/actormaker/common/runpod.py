"""Async client for the RunPod serverless queue API (/run, /status, /cancel, /health).

Jobs are submitted with /run and polled; /runsync is never used. Errors map onto work outcomes:

TransientError
├── RunPodUnavailable     429 / 5xx / connection trouble that outlasted the retries
└── RunPodWaitTimeout     the job did not finish within the poll timeout (it was cancelled)
PermanentError
├── RunPodRejected        401 / 400 / other 4xx: the request can never succeed as sent
├── RunPodJobExpired      /status answered 404 after the grace period: the result is gone
└── RunPodJobFailed       the job ended FAILED, TIMED_OUT or CANCELLED on the provider side
"""

import asyncio
import json
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from actormaker.common.errors import PermanentError, TransientError, WorkCancelled

log = logging.getLogger(__name__)

_BODY_EXCERPT = 300
_RETRIED_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


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


class RunPodUnavailable(TransientError):
    def __init__(self, operation: str, reason: str, *, delay: float | None = None) -> None:
        self.operation = operation
        self.reason = reason
        super().__init__(f"RunPod {operation} unavailable: {reason}", delay=delay)


class RunPodWaitTimeout(TransientError):
    def __init__(self, job_id: str, timeout: float, last_status: str | None) -> None:
        self.job_id = job_id
        super().__init__(
            f"RunPod job {job_id} did not finish within {timeout:g}s "
            f"(last status {last_status}); it was cancelled"
        )


class RunPodRejected(PermanentError):
    def __init__(self, operation: str, status_code: int, message: str) -> None:
        self.operation = operation
        self.status_code = status_code
        super().__init__(f"RunPod rejected {operation} (HTTP {status_code}): {message}")


class RunPodJobExpired(PermanentError):
    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"RunPod job {job_id} expired or is unknown (HTTP 404 on /status)")


class RunPodJobFailed(PermanentError):
    def __init__(self, job_id: str, status: str, message: str) -> None:
        self.job_id = job_id
        self.status = status
        super().__init__(f"RunPod job {job_id} {status}: {message}")


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
        parts = [self.error_message() or f"job ended {self.status} without an error message"]
        if isinstance(self.output, dict) and isinstance(self.output.get("details"), list):
            parts.extend(str(detail) for detail in self.output["details"])
        return "; ".join(parts)


class RunPodHealth(BaseModel):
    jobs: dict[str, int] = {}
    workers: dict[str, int] = {}


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


@dataclass(frozen=True, kw_only=True)
class PollPolicy:
    """How /status is polled until a job is final."""

    initial: float = 1.0
    factor: float = 1.5
    max_interval: float = 10.0
    timeout: float = 1800.0
    not_found_grace: float = 10.0  # RunPod may answer 404 for a job submitted moments ago

    def jittered(self, interval: float, *, rng: random.Random) -> float:
        return interval * rng.uniform(0.8, 1.2)


StatusCallback = Callable[[RunPodJob], Awaitable[None]]
CancelCheck = Callable[[], Awaitable[bool]]


class RunPodClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        endpoint_id: str,
        http: httpx.AsyncClient,
        retry: RetryPolicy,
    ) -> None:
        self._endpoint_url = f"{base_url.rstrip('/')}/{endpoint_id}"
        self._endpoint_id = endpoint_id
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._http = http
        self._retry = retry
        self._rng = random.Random()

    async def run(
        self,
        input: dict[str, Any],
        *,
        policy: dict[str, Any] | None = None,
        webhook: str | None = None,
    ) -> str:
        """Submit a job to /run and return its id exactly as RunPod gave it."""
        request: dict[str, Any] = {"input": input}
        if policy is not None:
            request["policy"] = policy
        if webhook is not None:
            request["webhook"] = webhook
        response = await self._request("POST", "/run", "run", body=request)
        job = self._job_from(response, "run")
        log.info("runpod job submitted", extra={"endpoint_id": self._endpoint_id, "job_id": job.id})
        return job.id

    async def status(self, job_id: str) -> RunPodJob:
        """Fetch the job object; raises RunPodJobExpired on 404."""
        response = await self._request("GET", f"/status/{job_id}", "status", not_found_ok=True)
        if response.status_code == httpx.codes.NOT_FOUND:
            raise RunPodJobExpired(job_id)
        return self._job_from(response, "status")

    async def cancel(self, job_id: str) -> None:
        """Ask RunPod to cancel the job."""
        await self._request("POST", f"/cancel/{job_id}", "cancel")
        log.info("runpod job cancelled", extra={"endpoint_id": self._endpoint_id, "job_id": job_id})

    async def health(self) -> RunPodHealth:
        """Queue and worker counters of the endpoint."""
        response = await self._request("GET", "/health", "health")
        return RunPodHealth.model_validate(_json_of(response, "health"))

    async def wait(
        self,
        job_id: str,
        *,
        poll: PollPolicy,
        on_update: StatusCallback | None = None,
        check_cancelled: CancelCheck | None = None,
    ) -> RunPodJob:
        """Poll until the job is final; return it if COMPLETED, raise a work outcome otherwise."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        interval = poll.initial
        last_status: str | None = None
        while True:
            if check_cancelled is not None and await check_cancelled():
                await self._cancel_quietly(job_id)
                raise WorkCancelled(
                    f"cancelled while RunPod job {job_id} was {last_status or 'submitted'}"
                )
            job = await self._poll_once(
                job_id, within_grace=loop.time() - started < poll.not_found_grace
            )
            if job.status != last_status:
                last_status = job.status
                if on_update is not None:
                    await on_update(job)
            if job.is_final:
                return _settle(job)
            remaining = started + poll.timeout - loop.time()
            if remaining <= 0:
                await self._cancel_quietly(job_id)
                raise RunPodWaitTimeout(job_id, poll.timeout, last_status)
            await asyncio.sleep(min(poll.jittered(interval, rng=self._rng), remaining))
            interval = min(interval * poll.factor, poll.max_interval)

    async def _poll_once(self, job_id: str, *, within_grace: bool) -> RunPodJob:
        try:
            return await self.status(job_id)
        except RunPodJobExpired:
            if not within_grace:
                raise
            return RunPodJob(id=job_id, status=RunPodStatus.IN_QUEUE)

    async def _cancel_quietly(self, job_id: str) -> None:
        try:
            await self.cancel(job_id)
        except (RunPodUnavailable, RunPodRejected) as exc:
            log.warning(
                "runpod cancel failed",
                extra={"endpoint_id": self._endpoint_id, "job_id": job_id, "reason": str(exc)},
            )

    async def _request(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        body: dict[str, Any] | None = None,
        not_found_ok: bool = False,
    ) -> httpx.Response:
        url = self._endpoint_url + path
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response = await self._http.request(method, url, json=body, headers=self._headers)
            except _RETRIED_TRANSPORT_ERRORS as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                status = response.status_code
                if status == httpx.codes.TOO_MANY_REQUESTS or status >= 500:
                    reason = f"HTTP {status}"
                    retry_after = _retry_after(response)
                elif status == httpx.codes.NOT_FOUND and not_found_ok:
                    return response
                elif status >= 400:
                    raise RunPodRejected(operation, status, _error_text(response))
                else:
                    return response
            if attempt == self._retry.max_attempts:
                raise RunPodUnavailable(
                    operation, f"{reason} after {attempt} attempts", delay=retry_after
                )
            delay = self._retry.delay(attempt, rng=self._rng)
            if retry_after is not None:
                delay = min(max(delay, retry_after), self._retry.max_delay)
            log.warning(
                "runpod request retried",
                extra={
                    "endpoint_id": self._endpoint_id,
                    "operation": operation,
                    "attempt": attempt,
                    "reason": reason,
                    "retry_in_s": round(delay, 3),
                },
            )
            await asyncio.sleep(delay)

    def _job_from(self, response: httpx.Response, operation: str) -> RunPodJob:
        try:
            return RunPodJob.model_validate(_json_of(response, operation))
        except ValidationError as exc:
            raise RunPodUnavailable(operation, f"unexpected job object: {exc}") from exc


def _settle(job: RunPodJob) -> RunPodJob:
    if job.status == RunPodStatus.COMPLETED:
        return job
    raise RunPodJobFailed(job.id, job.status, job.failure_message())


def _json_of(response: httpx.Response, operation: str) -> object:
    try:
        return response.json()
    except ValueError as exc:
        excerpt = response.text[:_BODY_EXCERPT]
        raise RunPodUnavailable(operation, f"response is not JSON: {excerpt!r}") from exc


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:_BODY_EXCERPT] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            if body.get(key):
                return str(body[key])[:_BODY_EXCERPT]
    return json.dumps(body)[:_BODY_EXCERPT]


def _retry_after(response: httpx.Response) -> float | None:
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
