"""Async client for the RunPod serverless queue API (/run, /status, /cancel, /health).

Jobs are submitted with /run and polled; /runsync is never used.
"""

import asyncio
import json
import logging
import math
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import ValidationError

from actormaker.common.errors import WorkCancelled
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

log = logging.getLogger(__name__)

_BODY_EXCERPT = 300
_RETRIED_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


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
