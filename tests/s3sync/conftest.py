import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from actormaker.common.s3client import s3_client_factory
from actormaker.common.storage.local import LocalStorage

_STARTUP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_ready(server: subprocess.Popen[bytes], endpoint: str, log: Path) -> None:
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{endpoint}/moto-api/", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        try:
            server.wait(timeout=0.05)  # returns only if moto exited, which is a failure
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"moto_server exited with {server.returncode}:\n{log.read_text()}")
    pytest.fail(f"moto_server did not answer within {_STARTUP_SECONDS}s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    moto_server = Path(sys.executable).parent / "moto_server"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(moto_server), "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(server, endpoint, log)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
async def s3(s3_endpoint: str) -> AsyncIterator[Any]:
    open_client = s3_client_factory(
        endpoint_url=s3_endpoint, region="us-east-1", access_key="testing", secret_key="testing"
    )
    async with open_client() as client:
        yield client


@pytest.fixture
async def bucket(s3: Any) -> str:
    name = f"test-{secrets.token_hex(6)}"
    await s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")
