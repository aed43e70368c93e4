"""Async client for the RunPod serverless queue API (/run, /status, /cancel, /health).

Jobs are submitted with /run and polled (or reported by webhook); /runsync is never used.
It is a `ProviderJobs`, so the provider-job ledger can submit, re-attach and cancel with it.
"""

import logging
from collections.abc import Mapping
from typing import Any, Self

import httpx
from pydantic import ValidationError

from actormaker.common.providers import (
    ProviderHttp,
    ProviderJobForgotten,
    ProviderUnavailable,
)
from actormaker.common.runpod.models import RunPodHealth, RunPodJob
from actormaker.common.runpod.settings import RunPodSettings

log = logging.getLogger(__name__)

PROVIDER = "RunPod"


class RunPodClient:
    """One RunPod serverless endpoint."""

    provider = PROVIDER

    def __init__(self, http: ProviderHttp, *, endpoint_id: str) -> None:
        self._http = http
        self._endpoint_id = endpoint_id
        self._prefix = f"/{endpoint_id}"

    @classmethod
    def from_settings(cls, settings: RunPodSettings, *, endpoint_id: str) -> Self:
        """A client with its own paced, retrying connection pool; close it with `aclose`."""
        http = ProviderHttp.from_settings(PROVIDER, settings, headers=settings.bearer_headers())
        return cls(http, endpoint_id=endpoint_id)

    async def submit(self, request: Mapping[str, Any], *, webhook: str | None = None) -> str:
        """Submit `request` (`input`, optional `policy`) to /run; the job id as RunPod gave it."""
        body = {**request, "webhook": webhook} if webhook else dict(request)
        response = await self._http.request("POST", f"{self._prefix}/run", "run", json=body)
        job = self._job_from(response, "run")
        log.info(
            "runpod job submitted",
            extra={"endpoint_id": self._endpoint_id, "runpod_job_id": job.id},
        )
        return job.id

    async def status(self, job_id: str) -> RunPodJob:
        """The job object; raises ProviderJobForgotten on 404."""
        response = await self._http.request(
            "GET", f"{self._prefix}/status/{job_id}", "status", not_found_ok=True
        )
        if response.status_code == httpx.codes.NOT_FOUND:
            raise ProviderJobForgotten(PROVIDER, job_id)
        return self._job_from(response, "status")

    async def cancel(self, job_id: str) -> None:
        """Ask RunPod to cancel the job."""
        await self._http.request("POST", f"{self._prefix}/cancel/{job_id}", "cancel")
        log.info(
            "runpod job cancelled",
            extra={"endpoint_id": self._endpoint_id, "runpod_job_id": job_id},
        )

    async def health(self) -> RunPodHealth:
        """Queue and worker counters of the endpoint."""
        response = await self._http.request("GET", f"{self._prefix}/health", "health")
        return RunPodHealth.model_validate(self._http.json_of(response, "health"))

    async def aclose(self) -> None:
        await self._http.aclose()

    def _job_from(self, response: httpx.Response, operation: str) -> RunPodJob:
        try:
            return RunPodJob.model_validate(self._http.json_of(response, operation))
        except ValidationError as error:
            raise ProviderUnavailable(
                PROVIDER, operation, f"unexpected job object: {error}"
            ) from error
