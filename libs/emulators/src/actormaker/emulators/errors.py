"""The one exception every emulator answers with: each shapes the body like its provider does."""

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse


class ProviderError(Exception):
    """Answered as `body` with `status_code` (and `headers`), as the provider would answer."""

    def __init__(
        self, status_code: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self.status_code = status_code
        self.body = body
        self.headers = headers
        super().__init__(f"HTTP {status_code}: {body}")


def provider_error_response(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProviderError)
    return JSONResponse(exc.body, status_code=exc.status_code, headers=exc.headers)
