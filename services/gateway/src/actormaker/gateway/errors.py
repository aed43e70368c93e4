"""Gateway errors and the one place that maps every domain error onto an HTTP answer."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from actormaker.common.bus import BusUnavailable
from actormaker.common.errors import ActorMakerError, InvalidInput, NotFound


class Conflict(ActorMakerError):
    """The request contradicts the current state (a finished job, a reused key)."""


class Unauthorized(ActorMakerError):
    """No valid API key."""


class Forbidden(ActorMakerError):
    """A credential that is not good for this request (a webhook's token or signature)."""


_STATUS = (
    (Unauthorized, status.HTTP_401_UNAUTHORIZED),
    (Forbidden, status.HTTP_403_FORBIDDEN),
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (InvalidInput, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (BusUnavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
)


def status_for(error: Exception) -> int:
    """The HTTP status for a domain error: the first matching class in _STATUS wins."""
    return next(code for kind, code in _STATUS if isinstance(error, kind))


async def _answer(_request: Request, error: Exception) -> JSONResponse:
    code = status_for(error)
    headers = {"WWW-Authenticate": "Bearer"} if code == status.HTTP_401_UNAUTHORIZED else None
    return JSONResponse({"detail": str(error)}, status_code=code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every domain error as JSON `{"detail": ...}` with its status."""
    for kind, _code in _STATUS:
        app.add_exception_handler(kind, _answer)
