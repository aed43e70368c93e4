"""ASGI middleware giving every request an id, an access log line and metrics.

The id is the client's `X-Request-ID` when it is a plain token of at most 128 characters, else a
new one; the response echoes it. While the request runs it is bound for logging, so it is in
every log line the request causes and in the NATS headers of every command it publishes.
(FastAPI itself makes the request's trace span once a tracer provider is configured.)
"""

import logging
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actormaker.common.log_context import REQUEST_ID_HEADER, bound, request_id_from
from actormaker.common.metrics import HTTP_REQUESTS, HTTP_SECONDS

log = logging.getLogger("actormaker.gateway.access")

UNMATCHED = "unmatched"  # one label for every path no route knows, so scanners add no series


def route_of(scope: Scope) -> str:
    """The route template that served the request (`/api/jobs/{job_id}`), not the raw path."""
    route = scope.get("route")
    regex = getattr(route, "path_regex", None)
    if regex is None:
        return UNMATCHED
    # An included router's route knows its path below the routers that include it: the part
    # of the request path before what it matched is their (fixed) prefix.
    path: str = scope["path"]
    for cut in (index for index, char in enumerate(path) if char == "/"):
        if regex.match(path[cut:]):
            return path[:cut] + route.path
    return route.path


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = request_id_from(headers.get(REQUEST_ID_HEADER))
        started = time.monotonic()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
                self._record(scope, message["status"], time.monotonic() - started)
            await send(message)

        with bound(request_id=request_id):
            await self.app(scope, receive, send_with_id)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method, route = scope["method"], route_of(scope)
        HTTP_REQUESTS.labels(method, route, str(status)).inc()
        HTTP_SECONDS.labels(method, route).observe(seconds)
        log.info(
            "answered",
            extra={
                "method": method,
                "path": scope["path"],
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
