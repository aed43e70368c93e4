"""Services as real child processes, configured through the environment as in production, or
in this process."""

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from actormaker.common.bus import Bus, Worker
from actormaker.common.service import WorkerService, running_worker
from actormaker.common.settings import CommonSettings
from actormaker.devstack.processes import ManagedProcess, answers_ok


def settings_env(*settings: BaseSettings) -> dict[str, str]:
    """The environment variables that configure a service exactly like `settings`."""
    env: dict[str, str] = {}
    for configured in settings:
        prefix = configured.model_config.get("env_prefix", "")
        for name in type(configured).model_fields:
            value = getattr(configured, name)
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            text = json.dumps(value) if isinstance(value, list | tuple | dict) else str(value)
            env[f"{prefix}{name}".upper()] = text
    return env


@asynccontextmanager
async def service_process(
    module: str, env: dict[str, str], log: Path, *, ready_url: str | None = None
) -> AsyncIterator[ManagedProcess]:
    """`python -m <module>` running with `env` (its output appended to `log`), killed after.

    With `ready_url`, it is started once GET `ready_url` answers 200.
    """
    with log.open("a", buffering=1) as sink:
        process = ManagedProcess(
            module,
            [sys.executable, "-m", module],
            sink=lambda line: sink.write(f"{line}\n"),
            env={"PATH": os.environ["PATH"], **env},
            ready_check=answers_ok(ready_url) if ready_url else None,
            start_timeout=60,
        )
        await process.start()
        try:
            yield process
        finally:
            await process.kill()


@asynccontextmanager
async def in_process_worker(
    common: CommonSettings, service: WorkerService
) -> AsyncIterator[Worker]:
    """The service's worker in this process, on a bus of its own, as its __main__ runs it."""
    bus = await Bus.connect(common, name=f"{service.name}-test")
    try:
        async with running_worker(bus, service) as worker:
            yield worker
    finally:
        await bus.close()
