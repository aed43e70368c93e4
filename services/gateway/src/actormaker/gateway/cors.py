"""CORS for the console: the origins CORS_ORIGINS lists may call the API from a browser."""

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "Last-Event-ID",
    "Prefer",
    "X-Request-ID",
)
EXPOSED_HEADERS = ("Retry-After", "X-Request-ID", "Preference-Applied")
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allow_origins(app: FastAPI, origins: list[str]) -> None:
    """Answer preflights from `origins` and let their pages read our answers.

    No credentials mode: the console sends its key in Authorization, not in a cookie.
    """
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=ALLOWED_METHODS,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
    )
