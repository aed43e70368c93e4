"""Real servers for the whole suite: nats-server from the wheel, on a free loopback port."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from actormaker.common.bus import Bus
from actormaker.common.settings import CommonSettings
from actormaker.devstack.nats_server import NatsServer
from actormaker.devstack.s3_server import S3Server


@pytest.fixture(scope="session")
async def nats_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[NatsServer]:
    """One nats-server for the session; tests keep apart by unique job ids and service names."""
    root = tmp_path_factory.mktemp("nats")
    with (root / "nats.log").open("a", buffering=1) as log:
        server = NatsServer(store_dir=root / "store", sink=lambda line: log.write(f"{line}\n"))
        await server.start()
        yield server
        await server.stop()


@pytest.fixture
async def private_nats(tmp_path: Path) -> AsyncIterator[NatsServer]:
    """A nats-server of this test's own, for tests that kill or restart it."""
    with (tmp_path / "nats.log").open("a", buffering=1) as log:
        server = NatsServer(store_dir=tmp_path / "nats", sink=lambda line: log.write(f"{line}\n"))
        await server.start()
        yield server
        await server.stop()


@pytest.fixture(scope="session")
async def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """One moto S3 server for the session; tests keep apart by random bucket names."""
    with (tmp_path_factory.mktemp("s3") / "moto.log").open("a", buffering=1) as log:
        server = S3Server(sink=lambda line: log.write(f"{line}\n"))
        await server.start()
        yield server.url
        await server.stop()


@pytest.fixture(scope="session")
def settings(nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory) -> CommonSettings:
    return CommonSettings(
        environment="test",
        nats_url=nats_server.url,
        data_dir=tmp_path_factory.mktemp("data"),
        nats_connect_timeout=5,
    )


@pytest.fixture
async def bus(settings: CommonSettings) -> AsyncIterator[Bus]:
    connected = await Bus.connect(settings, name="test")
    yield connected
    await connected.close()
