import shutil
import socket
import subprocess
import sys
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from actormaker.common.s3client import S3ClientFactory, s3_client_factory

MOTO_START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _moto_server_command() -> str:
    found = shutil.which("moto_server") or Path(sys.executable).parent / "moto_server"
    return str(found)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto S3 server over HTTP on a free port, for the whole session."""
    port = _free_port()
    started = threading.Event()
    recent_output: deque[str] = deque(maxlen=50)

    def drain_output(output: IO[str]) -> None:
        # Reads for the server's whole life: an unread pipe would block its request log.
        for line in output:
            recent_output.append(line)
            if "Running on" in line:
                started.set()
        started.set()  # the server exited; the check below reports it

    command = [_moto_server_command(), "-H", "127.0.0.1", "-p", str(port)]
    # Leaving the with-block waits for the server and closes its pipe.
    with subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        drainer = threading.Thread(target=drain_output, args=(process.stderr,), daemon=True)
        drainer.start()
        try:
            started.wait(MOTO_START_TIMEOUT)
            if process.poll() is not None or not started.is_set():
                pytest.fail(f"moto_server did not start:\n{''.join(recent_output)}")
            endpoint = f"http://127.0.0.1:{port}"
            assert httpx.get(f"{endpoint}/moto-api/", timeout=10).status_code == 200
            yield endpoint
        finally:
            process.terminate()
            drainer.join(timeout=10)


@pytest.fixture(scope="session")
def s3_clients(moto_endpoint: str) -> S3ClientFactory:
    """Factory of aioboto3 clients talking to the moto server."""
    return s3_client_factory(
        endpoint_url=moto_endpoint, region="us-east-1", access_key="testing", secret_key="testing"
    )


@pytest.fixture
async def s3_bucket(s3_clients: S3ClientFactory) -> str:
    """A fresh, empty bucket with a random name."""
    name = f"test-{uuid.uuid4().hex}"
    async with s3_clients() as client:
        await client.create_bucket(Bucket=name)
    return name
