"""Keep a worker running, as a process supervisor would in production: a worker that dies is
logged and started again after a short delay."""

import asyncio
import contextlib

from actormaker.devstack.processes import LineSink, ManagedProcess, ProcessFailed


class Supervised:
    """A process restarted `delay` seconds after every exit, until `stop()`."""

    def __init__(self, process: ManagedProcess, *, delay: float, log: LineSink) -> None:
        self.process = process
        self._delay = delay
        self._log = log
        self._stopping = False
        self._watch: asyncio.Task[None] | None = None
        self.restarts = 0

    async def start(self) -> None:
        await self.process.start()
        self._watch = asyncio.create_task(
            self._keep_running(), name=f"supervise-{self.process.name}"
        )

    async def stop(self) -> None:
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self.process.stop()

    async def wait(self) -> int:
        """Return only once stopped: a supervised process's own exit is not the stack's end."""
        if self._watch is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        return 0

    async def _keep_running(self) -> None:
        while not self._stopping:
            code = await self.process.wait()
            if self._stopping:
                return
            self._log(
                f"{self.process.name} exited with code {code}; restarting in {self._delay:g} s"
            )
            await asyncio.sleep(self._delay)
            try:
                await self.process.start()
            except ProcessFailed as error:
                self._log(f"{self.process.name} did not start again: {error}")
            else:
                self.restarts += 1
                self._log(f"{self.process.name} restarted (pid {self.process.pid})")
