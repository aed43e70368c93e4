"""The Replicate HTTP API, emulated (EXTERNAL_APIS.md section 3), served at the root.

/v1: create predictions (by official model or by version; `Prefer: wait` holds the request),
get, cancel and list them, and read the webhook signing secret. Outputs are files the emulator
serves at /files/{id}.{ext} until the retention period ends. Finished predictions POST
themselves, signed, to their webhook. Admin API in admin.py: /_emulator/stats counts per model
the predictions submitted, polled and cancelled, and webhooks sent.
"""

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from actormaker.emulators.admin import admin_routes
from actormaker.emulators.errors import ProviderError, provider_error_response
from actormaker.emulators.replicate_models import (
    MODELS,
    ModelInput,
    OfficialModel,
    model_for_version,
)
from actormaker.emulators.replicate_predictions import EmulatedPrediction, ReplicateEmulator
from actormaker.emulators.replicate_schemas import (
    PredictionRequest,
    ReplicateEmulatorConfig,
    VersionPredictionRequest,
)
from actormaker.emulators.replicate_trainings import (
    TRAINER,
    TRAINER_VERSION,
    TrainerInput,
    TrainingRequest,
)
from actormaker.emulators.serving import serve_in_background

__all__ = [
    "ReplicateEmulator",
    "ReplicateEmulatorConfig",
    "RunningReplicate",
    "create_replicate_app",
    "run_replicate_emulator",
]

_PREFER_WAIT = re.compile(r"(?:^|,)\s*wait\s*(?:=\s*(\d+))?\s*(?:,|$)")
_MAX_WAIT_S = 60


def replicate_error(
    status_code: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: object,
) -> ProviderError:
    """An error answered as `{"title", "detail", "status"}`, like Replicate's own."""
    body = {
        "title": title or HTTPStatus(status_code).phrase,
        "detail": detail,
        "status": status_code,
    }
    return ProviderError(status_code, {**body, **extra}, headers)


async def get_emulator(request: Request) -> ReplicateEmulator:
    emulator: ReplicateEmulator = request.app.state.emulator
    return emulator


EmulatorDep = Annotated[ReplicateEmulator, Depends(get_emulator)]
PreferHeader = Annotated[str | None, Header()]


async def require_auth(
    emulator: EmulatorDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    expected = emulator.config.api_token
    if expected is not None and authorization != f"Bearer {expected}":
        raise replicate_error(
            401, "You did not pass a valid authentication token", title="Unauthenticated"
        )


async def inject_faults(emulator: EmulatorDep) -> None:
    fault = emulator.draw_fault()
    if fault == 429:
        wait = emulator.config.retry_after_s
        detail = f"Request was throttled. Your rate limit resets in ~{wait}s."
        raise replicate_error(429, detail, headers={"Retry-After": str(wait)})
    if fault == 500:
        raise replicate_error(500, "Internal server error (emulated)")


async def found_prediction(emulator: EmulatorDep, prediction_id: str) -> EmulatedPrediction:
    prediction = emulator.find(prediction_id)
    if prediction is None:
        raise replicate_error(404, "Not found.", title="Not found")
    return prediction


api = APIRouter(prefix="/v1", dependencies=[Depends(require_auth)])
files = APIRouter(prefix="/files")
FAULTS = [Depends(inject_faults)]


@api.post("/models/{owner}/{name}/predictions", status_code=201, dependencies=FAULTS)
async def create_model_prediction(
    owner: str,
    name: str,
    body: PredictionRequest,
    request: Request,
    response: Response,
    emulator: EmulatorDep,
    prefer: PreferHeader = None,
) -> dict[str, Any]:
    model = MODELS.get(f"{owner}/{name}")
    if model is None:
        raise replicate_error(404, f"Model {owner}/{name} not found.", title="Not found")
    return await _create(emulator, model, body, request=request, response=response, prefer=prefer)


@api.post("/predictions", status_code=201, dependencies=FAULTS)
async def create_prediction(
    body: VersionPredictionRequest,
    request: Request,
    response: Response,
    emulator: EmulatorDep,
    prefer: PreferHeader = None,
) -> dict[str, Any]:
    model = model_for_version(body.version)
    if model is None:
        raise replicate_error(
            422, "Invalid version or not permitted", title="Invalid version or not permitted"
        )
    return await _create(emulator, model, body, request=request, response=response, prefer=prefer)


@api.get("/predictions/{prediction_id}", dependencies=FAULTS)
async def get_prediction(
    prediction: Annotated[EmulatedPrediction, Depends(found_prediction)], emulator: EmulatorDep
) -> dict[str, Any]:
    emulator.note(prediction.model.name, "polled")
    return prediction.wire()


@api.post("/predictions/{prediction_id}/cancel")
async def cancel_prediction(prediction_id: str, emulator: EmulatorDep) -> dict[str, Any]:
    prediction = emulator.cancel(prediction_id)
    if prediction is None:
        raise replicate_error(404, "Not found.", title="Not found")
    return prediction.wire()


@api.get("/predictions", dependencies=FAULTS)
async def list_predictions(
    request: Request, emulator: EmulatorDep, cursor: int = 0
) -> dict[str, Any]:
    chosen, more = emulator.page(max(cursor, 0))
    size = emulator.config.page_size
    return _page(request, "list_predictions", cursor, size, more, [p.wire() for p in chosen])


def _page(
    request: Request, route: str, cursor: int, size: int, more: bool, results: list[Any]
) -> dict[str, Any]:
    """One page of a listing, with Replicate's `next` and `previous` cursors."""
    listing = str(request.url_for(route))
    return {
        "next": f"{listing}?cursor={cursor + size}" if more else None,
        "previous": f"{listing}?cursor={max(cursor - size, 0)}" if cursor > 0 else None,
        "results": results,
    }


@api.post(
    "/models/{owner}/{name}/versions/{version_id}/trainings", status_code=201, dependencies=FAULTS
)
async def create_training(
    owner: str,
    name: str,
    version_id: str,
    body: TrainingRequest,
    request: Request,
    emulator: EmulatorDep,
) -> dict[str, Any]:
    if f"{owner}/{name}" != TRAINER or version_id != TRAINER_VERSION:
        raise replicate_error(404, f"Model version {owner}/{name}:{version_id} not found.")
    if body.destination.split("/")[0] != emulator.config.account:
        raise replicate_error(
            404,
            f"The specified destination model {body.destination} does not exist, or it is not "
            f"yours ({emulator.config.account})",
        )
    try:
        checked = TrainerInput.model_validate(body.input)
    except ValidationError as exc:
        raise _invalid_input(exc.errors(), prefix=("input",)) from exc
    api_base = str(request.base_url).rstrip("/")
    return emulator.trainings.submit(body, checked, api_base=api_base).wire()


@api.get("/trainings/{training_id}", dependencies=FAULTS)
async def get_training(training_id: str, emulator: EmulatorDep) -> dict[str, Any]:
    training = emulator.trainings.runs.get(training_id)
    if training is None:
        raise replicate_error(404, "Not found.", title="Not found")
    emulator.note(TRAINER, "polled")
    return training.wire()


@api.post("/trainings/{training_id}/cancel")
async def cancel_training(training_id: str, emulator: EmulatorDep) -> dict[str, Any]:
    training = emulator.trainings.cancel(training_id)
    if training is None:
        raise replicate_error(404, "Not found.", title="Not found")
    return training.wire()


@api.get("/trainings", dependencies=FAULTS)
async def list_trainings(
    request: Request, emulator: EmulatorDep, cursor: int = 0
) -> dict[str, Any]:
    size = emulator.config.page_size
    chosen, more = emulator.trainings.page(max(cursor, 0), size)
    return _page(request, "list_trainings", cursor, size, more, [t.wire() for t in chosen])


@files.get("/trainings/{training_id}/weights.tar")
async def training_weights(training_id: str, emulator: EmulatorDep) -> Response:
    training = emulator.trainings.runs.get(training_id)
    if training is None or training.weights is None:
        raise replicate_error(404, "Not found.", title="Not found")
    return Response(training.weights, media_type="application/x-tar")


@api.get("/webhooks/default/secret")
async def webhook_secret(emulator: EmulatorDep) -> dict[str, str]:
    return {"key": emulator.config.webhook_secret}


@files.get("/{prediction_id}.{extension}")
async def output_file(prediction_id: str, extension: str, emulator: EmulatorDep) -> Response:
    output = emulator.output_file(prediction_id, extension)
    if output is None:
        raise replicate_error(404, "Not found.", title="Not found")
    return Response(output.data, media_type=output.media_type)


async def _create(
    emulator: ReplicateEmulator,
    model: OfficialModel,
    body: PredictionRequest,
    *,
    request: Request,
    response: Response,
    prefer: str | None,
) -> dict[str, Any]:
    model_input = _validated_input(model, body.input)
    api_base = str(request.base_url).rstrip("/")
    prediction = emulator.submit(model, model_input, body, api_base=api_base)
    response.headers["Location"] = prediction.get_url
    wait = _wait_seconds(prefer, default=emulator.config.sync_wait_s)
    if wait is not None:
        # Sync mode answers with the prediction as it is when the wait ends, final or not.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await prediction.done.wait()
    return prediction.wire()


def _validated_input(model: OfficialModel, raw: dict[str, Any]) -> ModelInput:
    try:
        return model.input_type.model_validate(raw)
    except ValidationError as exc:
        raise _invalid_input(exc.errors(), prefix=("input",)) from exc


def _wait_seconds(prefer: str | None, *, default: float) -> float | None:
    """`Prefer: wait` → the default wait, `wait=N` → N seconds (1..60), otherwise None."""
    match = _PREFER_WAIT.search(prefer or "")
    if match is None:
        return None
    if match.group(1) is None:
        return default
    return float(min(max(int(match.group(1)), 1), _MAX_WAIT_S))


def _invalid_input(
    errors: Sequence[Mapping[str, Any]], *, prefix: tuple[str, ...]
) -> ProviderError:
    """Replicate's 422: a line per invalid field in `detail`, and the fields listed."""
    fields = [
        {
            "type": "required" if error["type"] == "missing" else error["type"],
            "field": ".".join([*prefix, *(str(part) for part in error["loc"])]),
            "description": _describe(error),
        }
        for error in errors
    ]
    detail = "".join(f"- {field['field']}: {field['description']}\n" for field in fields)
    return replicate_error(422, detail, title="Input validation failed", invalid_fields=fields)


def _describe(error: Mapping[str, Any]) -> str:
    name = str(error["loc"][-1]) if error["loc"] else "input"
    if error["type"] == "missing":
        return f"{name} is required"
    if error["type"] == "literal_error":
        return f"{name} must be one of the following: {error['ctx']['expected']}"
    return str(error["msg"]).removeprefix("Value error, ")


def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error["type"] == "json_invalid" for error in errors):
        error = replicate_error(400, "The request body is not valid JSON.")
    else:
        error = _invalid_input([{**e, "loc": e["loc"][1:]} for e in errors], prefix=())
    return provider_error_response(request, error)


def create_replicate_app(config: ReplicateEmulatorConfig) -> FastAPI:
    """A FastAPI app emulating one Replicate account."""
    emulator = ReplicateEmulator(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await emulator.close()

    app = FastAPI(title="Replicate emulator", lifespan=lifespan)
    app.state.emulator = emulator
    app.include_router(api)
    app.include_router(files)
    app.include_router(admin_routes(ReplicateEmulatorConfig, stats_key="models"))
    app.add_exception_handler(ProviderError, provider_error_response)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    return app


@dataclass(frozen=True)
class RunningReplicate:
    url: str
    emulator: ReplicateEmulator

    @property
    def api_base(self) -> str:
        """The base URL a Replicate client is given: the root, as paths start with /v1."""
        return self.url


@asynccontextmanager
async def run_replicate_emulator(
    config: ReplicateEmulatorConfig, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[RunningReplicate]:
    """Serve a Replicate emulator in this event loop until the block exits."""
    app = create_replicate_app(config)
    async with serve_in_background(app, host=host, port=port) as url:
        yield RunningReplicate(url=url, emulator=app.state.emulator)
