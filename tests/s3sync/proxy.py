"""A TCP proxy that stops passing a response after a number of bytes: a transfer caught in
flight, on a real socket, for as long as the test needs."""

import asyncio
import contextlib


class StallingProxy:
    def __init__(self, target_port: int, *, stall_after: int) -> None:
        self._target_port = target_port
        self._stall_after = stall_after
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.stalled = asyncio.Event()
        """Set once a response has been held back mid-way."""

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        upstream_r, upstream_w = await asyncio.open_connection("127.0.0.1", self._target_port)
        pumps = [
            asyncio.create_task(self._pump(client_r, upstream_w, limit=None)),
            asyncio.create_task(self._pump(upstream_r, client_w, limit=self._stall_after)),
        ]
        self._tasks.update(pumps)
        try:
            await asyncio.gather(*pumps)
        finally:
            for writer in (client_w, upstream_w):
                writer.close()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, limit: int | None
    ) -> None:
        sent = 0
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                if limit is not None and sent + len(chunk) > limit:
                    writer.write(chunk[: limit - sent])
                    await writer.drain()
                    self.stalled.set()
                    await asyncio.Event().wait()  # hold the rest back until the test closes us
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
