"""The web console: one page at `/`, its assets under `/console/` (ADR 0012).

Static files only: the page talks to the public API like any other client.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"

# The page loads only its own scripts and styles; images may come from blob: (ZIP download).
_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# Revalidate every time (by ETag): a new release is picked up at once, an unchanged one costs a 304.
_HEADERS = {"Cache-Control": "no-cache", "Content-Security-Policy": _POLICY}


class _Assets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(_HEADERS)
        return response


def mount_console(app: FastAPI) -> None:
    page = STATIC / "index.html"

    @app.get("/", include_in_schema=False)
    async def console() -> FileResponse:
        return FileResponse(page, headers=_HEADERS)

    app.mount("/console", _Assets(directory=STATIC), name="console")
