"""The `actormaker` command as a real process against the stack of real processes."""

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import FaultStack, make_fault_stack  # noqa: F401 - a fixture

COMMAND = Path(sys.executable).with_name("actormaker")


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass(frozen=True)
class Cli:
    stack: FaultStack
    env: dict[str, str]

    async def start(self, *args: str, **env: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            str(COMMAND),
            *args,
            env=os.environ | {"ACTORMAKER_API_URL": self.stack.gateway_url} | self.env | env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    async def run(self, *args: str, within: float = 90.0, **env: str) -> Ran:
        process = await self.start(*args, **env)
        return await finished(process, within)


async def finished(process: asyncio.subprocess.Process, within: float = 90.0) -> Ran:
    stdout, stderr = await asyncio.wait_for(process.communicate(), within)
    assert process.returncode is not None
    return Ran(process.returncode, stdout.decode(), stderr.decode())


@pytest.fixture
def cli_for() -> Callable[..., Cli]:
    return lambda stack, **env: Cli(stack, env)


@pytest.fixture
async def stack(make_fault_stack: Any) -> AsyncIterator[FaultStack]:  # noqa: F811
    async with make_fault_stack() as running:
        yield running
