"""The OpenAI Chat Completions API, emulated (EXTERNAL_APIS.md section 4), mounted at /v1.

POST /v1/chat/completions answers with image input and structured outputs, so both
`chat.completions.create` and `chat.completions.parse` of the real SDK work against it. Admin
API in admin.py: /_emulator/stats counts per model the requests, answers and failures.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from actormaker.emulators.admin import admin_routes
from actormaker.emulators.errors import ProviderError, provider_error_response
from actormaker.emulators.openai_completions import OpenAIEmulator, openai_error
from actormaker.emulators.openai_schemas import ChatCompletionRequest, OpenAIEmulatorConfig
from actormaker.emulators.serving import serve_in_background

__all__ = [
    "OpenAIEmulator",
    "OpenAIEmulatorConfig",
    "RunningOpenAI",
    "create_openai_app",
    "run_openai_emulator",
]

_KEY_HINT = "You can find your API key at https://platform.openai.com/account/api-keys."


async def get_emulator(request: Request) -> OpenAIEmulator:
    emulator: OpenAIEmulator = request.app.state.emulator
    return emulator


EmulatorDep = Annotated[OpenAIEmulator, Depends(get_emulator)]


async def require_auth(
    emulator: EmulatorDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    expected = emulator.config.api_key
    if expected is None or authorization == f"Bearer {expected}":
        return
    if authorization is None or not authorization.startswith("Bearer "):
        message = (
            "You didn't provide an API key. You need to provide your API key in an Authorization "
            f"header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). {_KEY_HINT}"
        )
        raise openai_error(401, message)
    presented = authorization.removeprefix("Bearer ")
    message = f"Incorrect API key provided: {presented[:3]}***{presented[-4:]}. {_KEY_HINT}"
    raise openai_error(401, message, code="invalid_api_key")


api = APIRouter(prefix="/v1", dependencies=[Depends(require_auth)])


@api.post("/chat/completions")
async def create_chat_completion(
    body: ChatCompletionRequest, emulator: EmulatorDep
) -> dict[str, Any]:
    return await emulator.complete(body)


def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    [first, *_] = exc.errors()
    param = ".".join(str(part) for part in first["loc"][1:])  # without the leading "body"
    if first["type"] == "missing":
        message, code = f"Missing required parameter: '{param}'.", "missing_required_parameter"
    else:
        message, code = f"Invalid value for '{param}': {first['msg']}", None
    error = openai_error(400, message, code=code, param=param or None)
    return provider_error_response(request, error)


def create_openai_app(config: OpenAIEmulatorConfig) -> FastAPI:
    """A FastAPI app emulating the OpenAI API's chat completions."""
    emulator = OpenAIEmulator(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await emulator.close()

    app = FastAPI(title="OpenAI emulator", lifespan=lifespan)
    app.state.emulator = emulator
    app.include_router(api)
    app.include_router(admin_routes(OpenAIEmulatorConfig, stats_key="models"))
    app.add_exception_handler(ProviderError, provider_error_response)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    return app


@dataclass(frozen=True)
class RunningOpenAI:
    url: str
    emulator: OpenAIEmulator

    @property
    def api_base(self) -> str:
        """The base URL an OpenAI client is given: it includes /v1."""
        return f"{self.url}/v1"


@asynccontextmanager
async def run_openai_emulator(
    config: OpenAIEmulatorConfig, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[RunningOpenAI]:
    """Serve an OpenAI emulator in this event loop until the block exits."""
    app = create_openai_app(config)
    async with serve_in_background(app, host=host, port=port) as url:
        yield RunningOpenAI(url=url, emulator=app.state.emulator)
