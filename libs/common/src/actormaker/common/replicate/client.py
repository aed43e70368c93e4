"""Replicate predictions through the `replicate` SDK, as `ProviderJobs` for the ledger.

The SDK's httpx client gets our `ProviderTransport`, so pacing, retries (POSTs included, which
the SDK never retries) and the metrics are the same as for every provider. The SDK still wraps
that transport in its own retry for GETs; every attempt it makes passes our pacing.
"""

import contextlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Self

import httpx
import replicate
from replicate.exceptions import ReplicateError
from replicate.prediction import Prediction
from replicate.training import Training

from actormaker.common.providers import (
    JobState,
    ProviderJobForgotten,
    ProviderRejected,
    ProviderTransport,
    ProviderUnavailable,
)
from actormaker.common.providers.errors import is_retryable
from actormaker.common.replicate.settings import ReplicateSettings

log = logging.getLogger(__name__)

PROVIDER = "Replicate"

_STATES = {
    "starting": JobState.QUEUED,
    "processing": JobState.RUNNING,
    "succeeded": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    "canceled": JobState.CANCELLED,
}


@dataclass(frozen=True)
class ReplicatePrediction:
    """A prediction as the ledger sees it (a `ProviderJob`)."""

    id: str
    status: str
    output: Any
    error: str | None

    logs: str | None = None

    @classmethod
    def of(cls, prediction: Prediction | Training) -> Self:
        """A prediction's or a training's view (both have the same status vocabulary)."""
        return cls(
            prediction.id, prediction.status, prediction.output, prediction.error, prediction.logs
        )

    @property
    def state(self) -> JobState:
        return _STATES.get(self.status, JobState.RUNNING)

    def failure_message(self) -> str:
        return self.error or f"prediction {self.status}"


class ReplicateConnection:
    """One SDK client with our transport, shared by every model a worker runs."""

    def __init__(self, settings: ReplicateSettings) -> None:
        transport = ProviderTransport(
            PROVIDER,
            retry=settings.retry_policy(),
            requests_per_second=settings.requests_per_second,
        )
        self.transport = transport
        token = settings.api_key.get_secret_value() if settings.api_key else None
        self.client = replicate.Client(
            api_token=token,
            base_url=settings.base_url,
            timeout=httpx.Timeout(settings.http_timeout_s, connect=10.0),
            transport=transport,
        )

    def model(self, name: str) -> "ReplicateModel":
        return ReplicateModel(self.client, name)

    def trainer(self, name: str, version: str, *, destination: str) -> "ReplicateTrainer":
        return ReplicateTrainer(self.client, name, version, destination=destination)

    async def aclose(self) -> None:
        await self.transport.aclose()


class ReplicateModel:
    """Predictions of one official model (`owner/name`)."""

    provider = PROVIDER

    def __init__(self, client: replicate.Client, name: str) -> None:
        self._client = client
        self.name = name

    async def submit(self, request: Mapping[str, Any], *, webhook: str | None = None) -> str:
        """Create a prediction from `request["input"]`; its id."""
        with _mapped("create"):
            prediction = await self._client.predictions.async_create(
                model=self.name,
                input=dict(request["input"]),
                webhook=webhook,
                webhook_events_filter=["completed"] if webhook else None,
            )
        log.info("replicate prediction created", extra={"model": self.name, "id": prediction.id})
        return prediction.id

    async def status(self, job_id: str) -> ReplicatePrediction:
        """The prediction now; ProviderJobForgotten once Replicate no longer has it."""
        with _looked_up(job_id, "get"):
            prediction = await self._client.predictions.async_get(job_id)
        return ReplicatePrediction.of(prediction)

    async def cancel(self, job_id: str) -> None:
        with _mapped("cancel"):
            await self._client.predictions.async_cancel(job_id)
        log.info("replicate prediction cancelled", extra={"model": self.name, "id": job_id})


class ReplicateTrainer:
    """Trainings of one trainer version, each creating a version of `destination`."""

    provider = PROVIDER

    def __init__(
        self, client: replicate.Client, name: str, version: str, *, destination: str
    ) -> None:
        self._client = client
        self.name = name
        self.version = version
        self.destination = destination

    async def submit(self, request: Mapping[str, Any], *, webhook: str | None = None) -> str:
        """Create a training from `request["input"]`; its id."""
        with _mapped("create training"):
            training = await self._client.trainings.async_create(
                model=self.name,
                version=self.version,
                input=dict(request["input"]),
                destination=self.destination,
                webhook=webhook,
                webhook_events_filter=["completed"] if webhook else None,
            )
        log.info("replicate training created", extra={"model": self.name, "id": training.id})
        return training.id

    async def status(self, job_id: str) -> ReplicatePrediction:
        """The training now; ProviderJobForgotten once Replicate no longer has it."""
        with _looked_up(job_id, "get training"):
            training = await self._client.trainings.async_get(job_id)
        return ReplicatePrediction.of(training)

    async def cancel(self, job_id: str) -> None:
        with _mapped("cancel training"):
            await self._client.trainings.async_cancel(job_id)
        log.info("replicate training cancelled", extra={"model": self.name, "id": job_id})


@contextlib.contextmanager
def _looked_up(job_id: str, operation: str) -> Iterator[None]:
    """`_mapped`, with a 404 meaning the provider has forgotten the job."""
    try:
        with _mapped(operation):
            yield
    except ProviderRejected as error:
        if error.status_code == httpx.codes.NOT_FOUND:
            raise ProviderJobForgotten(PROVIDER, job_id) from error
        raise


@contextlib.contextmanager
def _mapped(operation: str) -> Iterator[None]:
    """Turn the SDK's errors into our transient and permanent provider errors."""
    try:
        yield
    except ReplicateError as error:
        status = error.status or 0
        message = error.detail or error.title or str(error)
        if is_retryable(status):
            raise ProviderUnavailable(PROVIDER, operation, f"HTTP {status}: {message}") from error
        raise ProviderRejected(PROVIDER, operation, status, message) from error
    except httpx.TransportError as error:
        raise ProviderUnavailable(PROVIDER, operation, repr(error)) from error
