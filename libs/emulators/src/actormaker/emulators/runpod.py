"""A RunPod serverless endpoint running worker-comfyui, emulated (EXTERNAL_APIS.md sections 1-2).

Job API under /v2/{endpoint_id}: /run, /runsync, /status/{id}, /cancel/{id}, /health.
Admin API (admin.py) plus GET /_emulator/jobs; /_emulator/stats counts per endpoint the jobs
submitted, polled and cancelled, and webhooks sent. Finished jobs call their webhook (as often
and as late as configured).
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from actormaker.emulators.admin import admin_routes
from actormaker.emulators.errors import ProviderError, provider_error_response
from actormaker.emulators.runpod_jobs import EmulatedJob, RunPodEmulator
from actormaker.emulators.runpod_schemas import JobRequest, RunPodEmulatorConfig
from actormaker.emulators.serving import serve_in_background

__all__ = [
    "RunPodEmulator",
    "RunPodEmulatorConfig",
    "RunningRunPod",
    "create_runpod_app",
    "run_runpod_emulator",
]

_RUNSYNC_WAIT_MS = (1000, 300_000)


def runpod_error(
    status_code: int, message: str, headers: dict[str, str] | None = None
) -> ProviderError:
    """An error answered as `{"error": message}`, like RunPod's own."""
    return ProviderError(status_code, {"error": message}, headers)


async def get_emulator(request: Request) -> RunPodEmulator:
    emulator: RunPodEmulator = request.app.state.emulator
    return emulator


EmulatorDep = Annotated[RunPodEmulator, Depends(get_emulator)]


async def require_auth(
    emulator: EmulatorDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    expected = emulator.config.api_key
    if expected is not None and authorization != f"Bearer {expected}":
        raise runpod_error(401, "Unauthorized: missing or invalid API key")


async def require_endpoint(emulator: EmulatorDep, endpoint_id: str) -> None:
    allowed = emulator.config.endpoint_ids
    if allowed is not None and endpoint_id not in allowed:
        raise runpod_error(404, f"endpoint {endpoint_id} not found")


def counted(route: str, *, faults: bool) -> Callable[[RunPodEmulator], Awaitable[None]]:
    """A dependency that counts the request and, if `faults`, may answer an injected 429/500."""

    async def dependency(emulator: EmulatorDep) -> None:
        emulator.count(route)
        fault = emulator.draw_fault() if faults else None
        if fault == 429:
            retry_after = emulator.config.retry_after_s
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
            raise runpod_error(429, "Too Many Requests: rate limit exceeded (emulated)", headers)
        if fault == 500:
            raise runpod_error(500, "Internal Server Error (emulated)")

    return dependency


async def found_job(emulator: EmulatorDep, job_id: str) -> EmulatedJob:
    job = emulator.find(job_id)
    if job is None:
        raise runpod_error(404, f"job {job_id} not found")
    return job


jobs_router = APIRouter(
    prefix="/v2/{endpoint_id}", dependencies=[Depends(require_auth), Depends(require_endpoint)]
)
admin_router = admin_routes(RunPodEmulatorConfig, stats_key="endpoints")


@jobs_router.post("/run", dependencies=[Depends(counted("run", faults=True))])
async def run_job(endpoint_id: str, body: JobRequest, emulator: EmulatorDep) -> dict[str, str]:
    job = emulator.submit(endpoint_id, body)
    return {"id": job.id, "status": job.status}


@jobs_router.post("/runsync", dependencies=[Depends(counted("runsync", faults=True))])
async def run_job_sync(
    endpoint_id: str,
    body: JobRequest,
    emulator: EmulatorDep,
    wait: Annotated[int | None, Query(ge=_RUNSYNC_WAIT_MS[0], le=_RUNSYNC_WAIT_MS[1])] = None,
) -> dict[str, Any]:
    job = emulator.submit(endpoint_id, body, sync=True)
    timeout = wait / 1000 if wait is not None else emulator.config.runsync_wait_s
    try:
        async with asyncio.timeout(timeout):
            await job.done.wait()
    except TimeoutError:
        return {"id": job.id, "status": job.status}
    return job.wire()


@jobs_router.get("/status/{job_id}", dependencies=[Depends(counted("status", faults=True))])
async def job_status(endpoint_id: str, job_id: str, emulator: EmulatorDep) -> dict[str, Any]:
    emulator.note(endpoint_id, "polled")
    job = await found_job(emulator, job_id)
    return job.wire()


@jobs_router.post("/cancel/{job_id}", dependencies=[Depends(counted("cancel", faults=False))])
async def cancel_job(endpoint_id: str, job_id: str, emulator: EmulatorDep) -> dict[str, str]:
    emulator.note(endpoint_id, "cancelled")
    job = emulator.cancel(job_id)
    if job is None:
        raise runpod_error(404, f"job {job_id} not found")
    return {"id": job.id, "status": job.status}


@jobs_router.get("/health", dependencies=[Depends(counted("health", faults=False))])
async def endpoint_health(emulator: EmulatorDep) -> dict[str, Any]:
    return emulator.health()


@admin_router.get("/jobs")
async def list_jobs(emulator: EmulatorDep) -> dict[str, Any]:
    jobs = [job.summary() for job in emulator.jobs()]
    return {"jobs": jobs, "counters": dict(emulator.counters)}


def _bad_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    )
    return JSONResponse({"error": f"invalid request: {problems}"}, status_code=400)


def create_runpod_app(config: RunPodEmulatorConfig) -> FastAPI:
    """A FastAPI app emulating one RunPod account's serverless endpoints."""
    emulator = RunPodEmulator(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await emulator.close()

    app = FastAPI(title="RunPod emulator", lifespan=lifespan)
    app.state.emulator = emulator
    app.include_router(jobs_router)
    app.include_router(admin_router)
    app.add_exception_handler(ProviderError, provider_error_response)
    app.add_exception_handler(RequestValidationError, _bad_request)
    return app


@dataclass(frozen=True)
class RunningRunPod:
    url: str
    emulator: RunPodEmulator

    @property
    def api_base(self) -> str:
        """The base URL a RunPod client is given (RunPod's `https://api.runpod.ai/v2`)."""
        return f"{self.url}/v2"


@asynccontextmanager
async def run_runpod_emulator(
    config: RunPodEmulatorConfig, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[RunningRunPod]:
    """Serve a RunPod emulator in this event loop until the block exits."""
    app = create_runpod_app(config)
    async with serve_in_background(app, host=host, port=port) as url:
        yield RunningRunPod(url=url, emulator=app.state.emulator)
