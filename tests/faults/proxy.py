"""A TCP proxy that a test can take down and bring back: an outage of whatever is behind it.

Down, it closes every open connection and refuses new ones (nothing listens on its port), which
is what a client sees when a provider or S3 is unreachable.
"""

import asyncio
import contextlib
from collections.abc import Callable

from actormaker.devstack.ports import free_port


class OutageProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.port = free_port()
        self.latency_s = 0.0  # added to every answer: a slow network
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def down(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()  # no new connections; then cut the open ones
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _serve(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        writers = [client_out]
        try:
            # Cut off while connecting too (an outage starting): every writer is closed after.
            target_in, target_out = await asyncio.open_connection(*self._target)
            writers.append(target_out)
            await asyncio.gather(
                _pipe(client_in, target_out), _pipe(target_in, client_out, lambda: self.latency_s)
            )
        except OSError:
            pass  # the target is down: the client sees its connection closed
        finally:
            for writer in writers:
                writer.close()
            self._pipes.discard(task)


async def _pipe(
    source: asyncio.StreamReader,
    sink: asyncio.StreamWriter,
    latency: Callable[[], float] = lambda: 0.0,
) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await source.read(65536):
            if delay := latency():
                await asyncio.sleep(delay)
            sink.write(data)
            await sink.drain()
    with contextlib.suppress(OSError):
        sink.write_eof()
