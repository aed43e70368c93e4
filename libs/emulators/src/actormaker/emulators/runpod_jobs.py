"""The RunPod emulator's job table: jobs run as asyncio tasks; faults come from a seeded RNG."""

import asyncio
import contextlib
import json
import random
import time
import traceback
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import httpx

from actormaker.emulators.comfy_worker import (
    WorkerError,
    execution_error,
    read_job_input,
    render_output,
)
from actormaker.emulators.faults import Fault, draw_fault
from actormaker.emulators.lora_trainer import (
    TrainingStorage,
    is_training_input,
    read_training_input,
    train,
)
from actormaker.emulators.runpod_schemas import JobPolicy, JobRequest, RunPodEmulatorConfig
from actormaker.emulators.tally import Tally
from actormaker.emulators.webhooks import Webhook, WebhookSender

FINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"})
_SWEEP_INTERVAL_S = 1.0
# RunPod sends a webhook up to 3 times until it gets a 200.
_WEBHOOK_ATTEMPTS = 3
STAT_NAMES = ("submitted", "polled", "cancelled", "webhooks_sent")


class Fate(Enum):
    RUN = "run"
    FAIL = "fail"
    HANG = "hang"


@dataclass(kw_only=True)
class EmulatedJob:
    id: str
    endpoint_id: str
    input: object
    fate: Fate
    created_at: float
    webhook: str | None = None
    execution_timeout_s: float | None = None
    expires_at: float | None = None
    status: str = "IN_QUEUE"
    started_at: float | None = None
    finished_at: float | None = None
    output: object = None
    error: str | None = None
    cancel_calls: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def finish(self, status: str, *, output: object = None, error: str | None = None) -> None:
        if self.is_final:
            return
        self.status = status
        self.output = output
        self.error = error
        self.finished_at = time.monotonic()
        self.done.set()

    def wire(self) -> dict[str, Any]:
        """The job object RunPod returns from /status."""
        body: dict[str, Any] = {"id": self.id, "status": self.status}
        now = time.monotonic()
        body["delayTime"] = _ms((self.started_at or now) - self.created_at)
        if self.started_at is not None:
            body["executionTime"] = _ms((self.finished_at or now) - self.started_at)
            body["workerId"] = "emulator"
        if self.output is not None:
            body["output"] = self.output
        if self.error is not None:
            body["error"] = self.error
        return body

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "endpoint_id": self.endpoint_id,
            "status": self.status,
            "fate": self.fate.value,
            "cancel_calls": self.cancel_calls,
            "webhook": self.webhook,
            "error": self.error,
        }


class RunPodEmulator:
    """The state behind the routes: configuration, jobs and request counters."""

    def __init__(self, config: RunPodEmulatorConfig) -> None:
        self._jobs: dict[str, EmulatedJob] = {}
        self.counters: Counter[str] = Counter()
        self._stats = Tally(STAT_NAMES)
        self._webhooks = WebhookSender(
            attempts=_WEBHOOK_ATTEMPTS, accepts=lambda status: status == httpx.codes.OK
        )
        self._config = config
        self._slots = _worker_slots(config.workers)
        self.configure(config)

    @property
    def config(self) -> RunPodEmulatorConfig:
        return self._config

    def configure(self, config: RunPodEmulatorConfig) -> None:
        """Apply a new configuration; running jobs keep their worker slots."""
        if config.workers != self._config.workers:
            self._slots = _worker_slots(config.workers)
        self._config = config
        self._rng = random.Random(config.seed)
        self._last_sweep = time.monotonic()

    async def reset(self) -> None:
        await self.close()
        self._jobs.clear()
        self.counters.clear()
        self._stats.clear()
        self._slots = _worker_slots(self._config.workers)
        self.configure(self._config)

    async def close(self) -> None:
        tasks = [job.task for job in self._jobs.values() if job.task and not job.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._webhooks.close()

    def note(self, endpoint_id: str, stat: str) -> None:
        """Count one job submitted, polled, cancelled or one webhook sent, per endpoint."""
        self._stats.note(endpoint_id, stat)

    def stats(self) -> dict[str, dict[str, int]]:
        """Per endpoint, how many jobs were submitted, polled and cancelled, webhooks sent."""
        return self._stats.snapshot()

    def count(self, route: str) -> None:
        self.counters[f"requests.{route}"] += 1

    def draw_fault(self) -> Fault | None:
        """One draw per request: an injected 429, an injected 500, or None."""
        config = self._config
        fault = draw_fault(
            self._rng,
            rate_limit_rate=config.rate_limit_rate,
            server_error_rate=config.server_error_rate,
        )
        if fault is not None:
            self.counters[f"faults.{fault}"] += 1
        return fault

    def submit(self, endpoint_id: str, request: JobRequest, *, sync: bool = False) -> EmulatedJob:
        self._sweep()
        now = time.monotonic()
        policy = request.policy or JobPolicy()
        job = EmulatedJob(
            id=f"{'sync-' if sync else ''}{uuid.uuid4()}{self._config.job_id_suffix}",
            endpoint_id=endpoint_id,
            input=request.input,
            fate=self._draw_fate(),
            created_at=now,
            webhook=request.webhook,
            execution_timeout_s=_seconds(policy.execution_timeout_ms),
            expires_at=now + policy.ttl_ms / 1000 if policy.ttl_ms else None,
        )
        self._jobs[job.id] = job
        self.note(endpoint_id, "submitted")
        job.task = asyncio.create_task(self._execute(job), name=f"runpod-emulator-{job.id}")
        return job

    def find(self, job_id: str) -> EmulatedJob | None:
        """The job, or None when unknown, expired, or still inside the early-404 window."""
        job = self._jobs.get(job_id)
        if job is None:
            return None
        now = time.monotonic()
        if self._expired(job, now):
            self._drop(job)
            return None
        if now - job.created_at < self._config.not_found_for_s:
            return None
        return job

    def cancel(self, job_id: str) -> EmulatedJob | None:
        job = self._jobs.get(job_id)
        if job is None or self._expired(job, time.monotonic()):
            return None
        job.cancel_calls += 1
        if not job.is_final:
            job.finish("CANCELLED")
            if job.task is not None:
                job.task.cancel()
        return job

    def jobs(self) -> list[EmulatedJob]:
        return list(self._jobs.values())

    def health(self) -> dict[str, Any]:
        statuses = Counter(job.status for job in self._jobs.values())
        running = statuses["IN_PROGRESS"]
        idle = self._config.workers - running if self._config.workers else 1
        return {
            "jobs": {
                "completed": statuses["COMPLETED"],
                "failed": statuses["FAILED"],
                "inProgress": running,
                "inQueue": statuses["IN_QUEUE"],
                "retried": 0,
            },
            "workers": {"idle": idle, "running": running},
        }

    def _draw_fate(self) -> Fate:
        hang, fail = self._rng.random(), self._rng.random()
        if hang < self._config.hang_rate:
            return Fate.HANG
        if fail < self._config.failure_rate:
            return Fate.FAIL
        return Fate.RUN

    async def _execute(self, job: EmulatedJob) -> None:
        try:
            async with self._slot():
                job.status = "IN_PROGRESS"
                job.started_at = time.monotonic()
                async with asyncio.timeout(job.execution_timeout_s):
                    output = await self._work(job)
        except TimeoutError:
            timeout_ms = _ms(job.execution_timeout_s or 0)
            job.finish(
                "TIMED_OUT", error=f"Job execution exceeded executionTimeout of {timeout_ms} ms"
            )
        except WorkerError as exc:
            result = exc.handler_result()
            error = result.pop("error")
            job.finish("FAILED", output=result or None, error=error)
        except Exception as exc:  # the runpod SDK turns any handler crash into a FAILED job
            job.finish("FAILED", error=_crash_report(exc))
        else:
            job.finish("COMPLETED", output=output)
        if job.webhook is not None:
            self._send_webhook(job)

    def _send_webhook(self, job: EmulatedJob) -> None:
        """POST the job object to its webhook, like RunPod: retried until a 200, 3 tries."""
        assert job.webhook is not None
        config = self._config
        body = {**job.wire(), "input": job.input, "webhook": job.webhook}
        webhook = Webhook(
            url=job.webhook,
            body=json.dumps(body).encode(),
            copies=config.webhook_deliveries,
            delay_s=config.webhook_delay_s,
            retry_interval_s=config.webhook_retry_interval_s,
            on_attempt=lambda: self.note(job.endpoint_id, "webhooks_sent"),
        )
        self._webhooks.send(webhook, name=f"runpod-webhook-{job.id}")

    async def _work(self, job: EmulatedJob) -> dict[str, Any]:
        if is_training_input(job.input):
            return await self._train(job)
        comfy_job = await asyncio.to_thread(read_job_input, job.input)
        if job.fate is Fate.HANG:
            await asyncio.Event().wait()
        await asyncio.sleep(self._config.latency_s)
        prompts = self._config.fail_prompts_containing
        if job.fate is Fate.FAIL or any(text in comfy_job.prompt for text in prompts):
            raise execution_error(*comfy_job.sampler, "emulated failure")
        return await asyncio.to_thread(
            render_output,
            comfy_job,
            output_format=self._config.output_format,
            image_format=self._config.image_format,
        )

    async def _train(self, job: EmulatedJob) -> dict[str, Any]:
        assert isinstance(job.input, dict)
        run = read_training_input(job.input)
        if job.fate is Fate.HANG:
            await asyncio.Event().wait()
        await asyncio.sleep(self._config.latency_s)
        if job.fate is Fate.FAIL:
            raise RuntimeError("CUDA out of memory (emulated failure)")

        def report(progress: dict[str, Any]) -> None:
            job.output = progress  # what progress_update shows in /status while IN_PROGRESS

        config = self._config
        storage = TrainingStorage(
            endpoint_url=config.s3_endpoint_url,
            access_key=config.s3_access_key_id,
            secret_key=config.s3_secret_access_key,
            region=config.s3_region,
            output_bucket=config.training_output_bucket,
        )
        return await train(run, storage, seconds=config.training_s, report=report)

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        if self._slots is None:
            yield
            return
        async with self._slots:
            yield

    def _expired(self, job: EmulatedJob, now: float) -> bool:
        if job.expires_at is not None and now >= job.expires_at:
            return True
        return job.finished_at is not None and now - job.finished_at > self._config.retention_s

    def _drop(self, job: EmulatedJob) -> None:
        if job.task is not None and not job.task.done():
            job.task.cancel()
        self._jobs.pop(job.id, None)

    def _sweep(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < _SWEEP_INTERVAL_S:
            return
        self._last_sweep = now
        for job in [job for job in self._jobs.values() if self._expired(job, now)]:
            self._drop(job)


def _crash_report(exc: Exception) -> str:
    """The JSON string the runpod SDK puts in `error` when a handler raises."""
    return json.dumps(
        {
            "error_type": str(type(exc)),
            "error_message": str(exc),
            "error_traceback": "".join(traceback.format_exception(exc)),
            "hostname": "emulator",
            "worker_id": "emulator",
            "runpod_version": "emulated",
        }
    )


def _worker_slots(workers: int | None) -> asyncio.Semaphore | None:
    return asyncio.Semaphore(workers) if workers else None


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _seconds(milliseconds: int | None) -> float | None:
    return milliseconds / 1000 if milliseconds is not None else None
