"""A worker's own small HTTP listener: `GET /healthz` for the orchestrator, `GET /metrics` for
Prometheus. Two fixed answers need no web framework, so a worker image carries none."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from actormaker.common.metrics import METRICS_CONTENT_TYPE, exposition

log = logging.getLogger(__name__)

_READ_TIMEOUT_S = 5.0
_MAX_REQUEST_BYTES = 8192


class Probe:
    """Answers health and metrics requests while started."""

    def __init__(
        self,
        *,
        healthy: Callable[[], bool],
        before_scrape: Callable[[], Awaitable[None]] | None = None,
        host: str,
        port: int,
    ) -> None:
        self._healthy = healthy
        self._before_scrape = before_scrape
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The port it listens on (the one the OS chose when started with port 0)."""
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_READ_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
            status, content_type, body = await self._answer(head[:_MAX_REQUEST_BYTES])
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            status, content_type, body = "400 Bad Request", "text/plain", b"bad request\n"
        try:
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, head: bytes) -> tuple[str, str, bytes]:
        method, _, rest = head.partition(b" ")
        path = rest.split(b" ", 1)[0].split(b"?", 1)[0]
        if method != b"GET":
            return "405 Method Not Allowed", "text/plain", b"only GET\n"
        if path == b"/healthz":
            if self._healthy():
                return "200 OK", "application/json", b'{"status":"ok"}'
            return "503 Service Unavailable", "application/json", b'{"status":"unavailable"}'
        if path == b"/metrics":
            await self._refresh()
            return "200 OK", METRICS_CONTENT_TYPE, exposition()
        return "404 Not Found", "text/plain", b"not found\n"

    async def _refresh(self) -> None:
        if self._before_scrape is None:
            return
        try:
            await self._before_scrape()
        except Exception as error:  # a scrape still answers with what is known
            log.warning("metrics refresh failed", extra={"error": repr(error)})
