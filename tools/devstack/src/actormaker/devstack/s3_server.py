"""A local S3 endpoint: moto in server mode, on loopback."""

import sys
from pathlib import Path

import httpx

from actormaker.devstack.ports import free_port
from actormaker.devstack.processes import ChildServer, LineSink, ManagedProcess


class S3Server(ChildServer):
    """moto_server on 127.0.0.1; its state lives in memory until it stops."""

    def __init__(self, *, port: int | None = None, sink: LineSink | None = None) -> None:
        self.port = port or free_port()
        self._sink = sink or (lambda _line: None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start the server and wait until it answers."""
        command = str(Path(sys.executable).parent / "moto_server")
        self._process = ManagedProcess(
            "s3",
            [command, "-H", "127.0.0.1", "-p", str(self.port)],
            sink=self._sink,
            ready_check=self._answers,
        )
        await self._process.start()

    async def _answers(self) -> bool:
        try:
            async with httpx.AsyncClient(timeout=1) as client:
                return (await client.get(f"{self.url}/moto-api/")).status_code == 200
        except httpx.TransportError:
            return False
