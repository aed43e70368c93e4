"""`python -m actormaker.devstack`: run the local stack until Ctrl-C."""

import asyncio
import contextlib
import signal
import sys

from actormaker.devstack.console import prefixed
from actormaker.devstack.processes import ProcessFailed
from actormaker.devstack.settings import DevstackSettings
from actormaker.devstack.stack import LocalStack, PortTaken


async def run() -> int:
    stack = LocalStack(DevstackSettings())
    say = prefixed("devstack")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await stack.start()
    except (PortTaken, ProcessFailed) as error:
        say(f"cannot start: {error}")
        await stack.stop()
        return 1
    say(
        f"ready: console and API on http://127.0.0.1:{stack.settings.gateway_port} "
        "(Ctrl-C stops everything)"
    )
    exited = asyncio.create_task(stack.wait())
    interrupted = asyncio.create_task(stopping.wait())
    await asyncio.wait([exited, interrupted], return_when=asyncio.FIRST_COMPLETED)
    if exited.done():
        say("a process exited on its own; stopping the rest")
    say("stopping")
    await stack.stop()
    for task in (exited, interrupted):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return 0


def main() -> None:
    sys.exit(asyncio.run(run()))


if __name__ == "__main__":
    main()
