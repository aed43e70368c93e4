"""Child processes with their output forwarded line by line and a readiness check."""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence

import httpx

LineSink = Callable[[str], None]
ReadyCheck = Callable[[], Awaitable[bool]]


class ProcessFailed(RuntimeError):
    """A child process that exited or never became ready."""


class ManagedProcess:
    """One child process: started, watched until ready, stopped or killed on demand."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        sink: LineSink,
        env: Mapping[str, str] | None = None,
        ready_line: str | None = None,
        ready_check: ReadyCheck | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = {**os.environ, **(env or {})}
        self._sink = sink
        self._ready_line = ready_line
        self._ready_check = ready_check
        self._start_timeout = start_timeout
        self._process: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None
        self._saw_ready_line = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def start(self) -> None:
        """Start the process and wait until it is ready."""
        self._saw_ready_line.clear()
        self._process = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self._pump = asyncio.create_task(self._forward_output(self._process))
        try:
            await asyncio.wait_for(self._wait_ready(), self._start_timeout)
        except TimeoutError as error:
            await self.kill()
            raise ProcessFailed(f"{self.name} not ready after {self._start_timeout:g} s") from error

    async def wait(self) -> int:
        """Wait for the process to exit and return its exit code."""
        assert self._process is not None
        return await self._process.wait()

    async def stop(self, grace: float = 10.0) -> None:
        """Ask the process to stop (SIGTERM), killing it if it has not within `grace` s."""
        if not self.running:
            return
        self._signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.wait(), grace)
        except TimeoutError:
            await self.kill()
        await self._finish_pump()

    async def kill(self) -> None:
        """Kill the process at once (SIGKILL), as a crash would."""
        if self.running:
            self._signal(signal.SIGKILL)
            await self.wait()
        await self._finish_pump()

    def _signal(self, signum: int) -> None:
        assert self._process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signum)

    async def _finish_pump(self) -> None:
        if self._pump is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None

    async def _wait_ready(self) -> None:
        while True:
            if not self.running:
                raise ProcessFailed(f"{self.name} exited with code {self._process.returncode}")  # type: ignore[union-attr]
            line_ok = self._ready_line is None or self._saw_ready_line.is_set()
            if line_ok and (self._ready_check is None or await self._ready_check()):
                return
            await asyncio.sleep(0.05)

    async def _forward_output(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip()
            if self._ready_line and self._ready_line in line:
                self._saw_ready_line.set()
            self._sink(line)


class ChildServer:
    """A server that runs as one child process; subclasses start `self._process`."""

    _process: ManagedProcess | None = None

    async def wait(self) -> int:
        """Wait for the server to exit; return its exit code."""
        assert self._process is not None
        return await self._process.wait()

    async def stop(self) -> None:
        """Stop the server cleanly."""
        if self._process is not None:
            await self._process.stop()

    async def kill(self) -> None:
        """Kill the server at once, as a crash would."""
        if self._process is not None:
            await self._process.kill()


def answers_ok(url: str) -> ReadyCheck:
    """A readiness check: whether GET `url` answers 200."""

    async def check() -> bool:
        try:
            async with httpx.AsyncClient(timeout=1) as client:
                return (await client.get(url)).status_code == httpx.codes.OK
        except httpx.TransportError:
            return False

    return check


def quiet_module(
    module: str, *args: str, ready_url: str, env: Mapping[str, str] | None = None
) -> ManagedProcess:
    """`python -m module args...`, its output dropped, ready once GET `ready_url` answers 200."""
    return ManagedProcess(
        module,
        [sys.executable, "-m", module, *args],
        sink=lambda _: None,
        env=env,
        ready_check=answers_ok(ready_url),
    )
