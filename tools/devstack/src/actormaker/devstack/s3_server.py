"""A local S3 endpoint: moto in server mode, on loopback."""

import sys
from pathlib import Path

from actormaker.devstack.ports import free_port
from actormaker.devstack.processes import ChildServer, LineSink, ManagedProcess, answers_ok


class S3Server(ChildServer):
    """moto_server on 127.0.0.1; its state lives in memory (s3_snapshots keeps it on disk)."""

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
            ready_check=answers_ok(f"{self.url}/moto-api/"),
        )
        await self._process.start()
