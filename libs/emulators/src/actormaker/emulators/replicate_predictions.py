"""The Replicate emulator's predictions: each runs as an asyncio task; faults come from a seeded
RNG; finished ones keep their data for `retention_s`, then only the record is left."""

import asyncio
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from actormaker.emulators.faults import Fault, draw_fault
from actormaker.emulators.images import ImageUnavailable, read_image_reference
from actormaker.emulators.replicate_models import (
    ModelInput,
    OfficialModel,
    Rendered,
    RenderOptions,
    render,
)
from actormaker.emulators.replicate_schemas import PredictionRequest, ReplicateEmulatorConfig
from actormaker.emulators.replicate_trainings import Trainings
from actormaker.emulators.replicate_wire import iso, new_id
from actormaker.emulators.tally import Tally
from actormaker.emulators.webhooks import (
    Webhook,
    WebhookSender,
    new_webhook_id,
    standard_webhook_headers,
)

FINAL_STATUSES = frozenset({"succeeded", "failed", "canceled"})
STAT_NAMES = ("submitted", "polled", "cancelled", "webhooks_sent")
_WEBHOOK_ATTEMPTS = 3  # Replicate retries "a few times" on network errors and non-2xx
_FETCH_TIMEOUT_S = 30.0
_SWEEP_INTERVAL = timedelta(seconds=1)
_INTERRUPTED = "Prediction interrupted; please retry (code: PA)"
_FLAGGED = "Flagged as sensitive. Please try with different inputs. (E005)"


@dataclass(kw_only=True)
class EmulatedPrediction:
    id: str
    model: OfficialModel
    input: dict[str, Any]
    api_base: str  # the emulator's root as the caller reached it
    webhook: str | None
    webhook_events: list[str] | None
    doomed: bool
    created_at: datetime
    status: str = "starting"
    started_at: datetime | None = None
    completed_at: datetime | None = None
    output: Rendered | None = None
    error: str | None = None
    logs: str | None = ""
    data_removed: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def get_url(self) -> str:
        return f"{self.api_base}/v1/predictions/{self.id}"

    def wire(self) -> dict[str, Any]:
        """The prediction object of GET /v1/predictions/{id} and of webhooks (section 3.3)."""
        output = self.output
        return {
            "id": self.id,
            "model": self.model.name,
            "version": self.model.version,
            "input": self.input,
            "output": f"{self.api_base}/files/{self.id}.{output.extension}" if output else None,
            "error": self.error,
            "logs": self.logs,
            "status": self.status,
            "source": "api",
            "data_removed": self.data_removed,
            "created_at": iso(self.created_at),
            "started_at": iso(self.started_at),
            "completed_at": iso(self.completed_at),
            "deadline": None,
            "deployment": None,
            "metrics": self._metrics(),
            "urls": {
                "get": self.get_url,
                "cancel": f"{self.get_url}/cancel",
                "web": f"https://replicate.com/p/{self.id}",
            },
        }

    def _metrics(self) -> dict[str, float]:
        if self.completed_at is None:
            return {}
        metrics = {"total_time": (self.completed_at - self.created_at).total_seconds()}
        if self.started_at is not None:
            metrics["predict_time"] = (self.completed_at - self.started_at).total_seconds()
        return metrics


class ReplicateEmulator:
    """The state behind the routes: configuration, predictions and per-model counters."""

    def __init__(self, config: ReplicateEmulatorConfig) -> None:
        self._predictions: dict[str, EmulatedPrediction] = {}
        self._stats = Tally(STAT_NAMES)
        self._webhooks = WebhookSender(
            attempts=_WEBHOOK_ATTEMPTS, accepts=lambda status: 200 <= status < 300
        )
        self._http: httpx.AsyncClient | None = None
        self._config = config
        self.trainings = Trainings(self)
        self.configure(config)

    @property
    def config(self) -> ReplicateEmulatorConfig:
        return self._config

    def configure(self, config: ReplicateEmulatorConfig) -> None:
        self._config = config
        self._rng = random.Random(config.seed)
        self._last_sweep = _now()

    async def reset(self) -> None:
        await self.close()
        self._predictions.clear()
        self.trainings.clear()
        self._stats.clear()
        self.configure(self._config)

    async def close(self) -> None:
        await self.trainings.close()
        tasks = [p.task for p in self._predictions.values() if p.task and not p.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._webhooks.close()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def note(self, model: str, stat: str) -> None:
        """Count one prediction submitted, polled, cancelled or one webhook sent, per model."""
        self._stats.note(model, stat)

    def stats(self) -> dict[str, dict[str, int]]:
        return self._stats.snapshot()

    def draw_fault(self) -> Fault | None:
        config = self._config
        return draw_fault(
            self._rng,
            rate_limit_rate=config.rate_limit_rate,
            server_error_rate=config.server_error_rate,
        )

    def doomed(self) -> bool:
        """Whether the next prediction or training fails, at the configured failure rate."""
        return self._rng.random() < self._config.failure_rate

    def submit(
        self,
        model: OfficialModel,
        request: ModelInput,
        body: PredictionRequest,
        *,
        api_base: str,
    ) -> EmulatedPrediction:
        self._sweep()
        prediction = EmulatedPrediction(
            id=new_id(),
            model=model,
            input=body.input,
            api_base=api_base,
            webhook=body.webhook,
            webhook_events=body.webhook_events_filter,
            doomed=self.doomed(),
            created_at=_now(),
        )
        self._predictions[prediction.id] = prediction
        self.note(model.name, "submitted")
        prediction.task = asyncio.create_task(
            self._execute(prediction, request), name=f"replicate-emulator-{prediction.id}"
        )
        return prediction

    def find(self, prediction_id: str) -> EmulatedPrediction | None:
        prediction = self._predictions.get(prediction_id)
        if prediction is not None:
            self._apply_retention(prediction, _now())
        return prediction

    def cancel(self, prediction_id: str) -> EmulatedPrediction | None:
        prediction = self.find(prediction_id)
        if prediction is None:
            return None
        self.note(prediction.model.name, "cancelled")
        if not prediction.is_final:
            self._finish(prediction, "canceled")
            if prediction.task is not None:
                prediction.task.cancel()
        return prediction

    def page(self, offset: int) -> tuple[list[EmulatedPrediction], bool]:
        """Newest first: the page starting at `offset`, and whether more follow."""
        newest_first = list(reversed(self._predictions.values()))
        size = self._config.page_size
        chosen = newest_first[offset : offset + size]
        now = _now()
        for prediction in chosen:
            self._apply_retention(prediction, now)
        return chosen, offset + size < len(newest_first)

    def output_file(self, prediction_id: str, extension: str) -> Rendered | None:
        prediction = self.find(prediction_id)
        output = prediction.output if prediction is not None else None
        return output if output is not None and output.extension == extension else None

    async def _execute(self, prediction: EmulatedPrediction, request: ModelInput) -> None:
        prediction.status = "processing"
        prediction.started_at = _now()
        try:
            source = await self._fetch(request.image_reference)
            await asyncio.sleep(self._config.latency_of(prediction.model.name))
            failure = self._failure(prediction)
            if failure is not None:
                self._finish(prediction, "failed", error=failure)
                return
            options = RenderOptions(
                long_side=self._config.long_side, duplicate_tiles=self._config.duplicate_tiles
            )
            rendered = await asyncio.to_thread(render, request, source, options)
        except ImageUnavailable as exc:
            self._finish(prediction, "failed", error=f"cannot read the input image: {exc}")
        else:
            self._finish(prediction, "succeeded", output=rendered)

    async def _fetch(self, reference: str | None) -> bytes | None:
        if reference is None:
            return None
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=_FETCH_TIMEOUT_S)
        return await read_image_reference(reference, self._http)

    def _failure(self, prediction: EmulatedPrediction) -> str | None:
        prompt = str(prediction.input.get("prompt", ""))
        if any(text in prompt for text in self._config.fail_prompts_containing):
            return _FLAGGED
        return _INTERRUPTED if prediction.doomed else None

    def _finish(
        self,
        prediction: EmulatedPrediction,
        status: str,
        *,
        output: Rendered | None = None,
        error: str | None = None,
    ) -> None:
        if prediction.is_final:
            return
        prediction.status = status
        prediction.output = output
        prediction.error = error
        prediction.logs = output.logs if output else ""
        prediction.completed_at = _now()
        prediction.done.set()
        events = prediction.webhook_events
        if prediction.webhook is not None and (events is None or "completed" in events):
            self._send_webhook(prediction, prediction.webhook)

    def _send_webhook(self, prediction: EmulatedPrediction, url: str) -> None:
        self.send_signed(prediction.wire(), url, counted_for=prediction.model.name)

    def send_signed(self, payload: dict[str, Any], url: str, *, counted_for: str) -> None:
        """POST `payload` (a prediction or training object), signed; every attempt has a fresh
        timestamp, and copies and delays are as configured."""
        config = self._config
        body = json.dumps(payload).encode()
        webhook_id = new_webhook_id()
        webhook = Webhook(
            url=url,
            body=body,
            copies=config.webhook_deliveries,
            delay_s=config.webhook_delay_s,
            retry_interval_s=config.webhook_retry_interval_s,
            headers=lambda: standard_webhook_headers(config.webhook_secret, webhook_id, body),
            on_attempt=lambda: self.note(counted_for, "webhooks_sent"),
        )
        self._webhooks.send(webhook, name=f"replicate-webhook-{payload['id']}")

    async def fetch(self, url: str) -> httpx.Response:
        """GET a URL an input names (a dataset zip, say), on the emulator's shared client."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=_FETCH_TIMEOUT_S)
        return await self._http.get(url)

    def _apply_retention(self, prediction: EmulatedPrediction, now: datetime) -> None:
        completed = prediction.completed_at
        retention = timedelta(seconds=self._config.retention_s)
        if completed is not None and now - completed > retention:
            # Replicate deletes input, output and logs, and the files expire with them.
            prediction.data_removed = True
            prediction.input = {}
            prediction.output = None
            prediction.logs = None

    def _sweep(self) -> None:
        now = _now()
        if now - self._last_sweep < _SWEEP_INTERVAL:
            return
        self._last_sweep = now
        for prediction in self._predictions.values():
            self._apply_retention(prediction, now)


def _now() -> datetime:
    return datetime.now(UTC)
