"""Gateway errors and the one place that maps every error onto an HTTP answer.

Answers say what is wrong and where without echoing the input: a detail is cut to a few hundred
characters, and a validation failure lists field, message and type only.
"""

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from actormaker.common.bus import BusUnavailable
from actormaker.common.errors import ActorMakerError, InvalidInput, NotFound

MAX_DETAIL = 400


class Conflict(ActorMakerError):
    """The request contradicts the current state (a finished job, a reused key)."""


class Unauthorized(ActorMakerError):
    """No valid API key."""


class Forbidden(ActorMakerError):
    """A credential that is not good for this request: an API key without the scope, a
    webhook's token or signature."""


class TooManyRequests(ActorMakerError):
    """An API key over its rate limit; it may try again after `retry_after_s` seconds."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


_STATUS = (
    (Unauthorized, status.HTTP_401_UNAUTHORIZED),
    (Forbidden, status.HTTP_403_FORBIDDEN),
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (InvalidInput, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (TooManyRequests, status.HTTP_429_TOO_MANY_REQUESTS),
    (BusUnavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
)


def status_for(error: Exception) -> int:
    """The HTTP status for a domain error: the first matching class in _STATUS wins."""
    return next(code for kind, code in _STATUS if isinstance(error, kind))


def concise(text: str, limit: int = MAX_DETAIL) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _headers_for(error: Exception) -> dict[str, str] | None:
    if isinstance(error, Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, TooManyRequests):
        return {"Retry-After": str(error.retry_after_s)}
    return None


async def _answer(_request: Request, error: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": concise(str(error))}, status_code=status_for(error), headers=_headers_for(error)
    )


async def _invalid_request(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {
            "loc": [concise(str(part), 80) if isinstance(part, str) else part for part in e["loc"]],
            "msg": concise(e["msg"]),
            "type": e["type"],
        }
        for e in error.errors()[:20]
    ]
    return JSONResponse({"detail": problems}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _raced(_request: Request, _error: Exception) -> JSONResponse:
    # The row changed or went away between our read and our write: another request won.
    return JSONResponse(
        {"detail": "another request changed or deleted this at the same time; reload and retry"},
        status_code=status.HTTP_409_CONFLICT,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer every domain error as JSON `{"detail": ...}` with its status."""
    for kind, _code in _STATUS:
        app.add_exception_handler(kind, _answer)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for race in (StaleDataError, IntegrityError):
        app.add_exception_handler(race, _raced)
