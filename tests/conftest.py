"""Real servers for the whole suite: nats-server from the wheel, on a free loopback port."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from actormaker.common.bus import Bus
from actormaker.common.settings import CommonSettings
from actormaker.devstack.nats_server import NatsServer
from actormaker.devstack.s3_server import S3Server
from actormaker.emulators.openai import OpenAIEmulatorConfig, RunningOpenAI, run_openai_emulator
from actormaker.emulators.replicate import (
    ReplicateEmulatorConfig,
    RunningReplicate,
    run_replicate_emulator,
)
from actormaker.emulators.runpod import RunningRunPod, RunPodEmulatorConfig, run_runpod_emulator


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


RUNPOD_TEST_KEY = "runpod-test-key"
RUNPOD_TEST_CONFIG = RunPodEmulatorConfig(api_key=RUNPOD_TEST_KEY, latency_s=0.02)


@pytest.fixture(scope="session")
async def runpod_server() -> AsyncIterator[RunningRunPod]:
    """One RunPod emulator for the session, over HTTP on a free port."""
    async with run_runpod_emulator(RUNPOD_TEST_CONFIG) as running:
        yield running


@pytest.fixture
async def runpod(runpod_server: RunningRunPod) -> AsyncIterator[RunningRunPod]:
    """The session's RunPod emulator, emptied and set to RUNPOD_TEST_CONFIG for this test."""
    await runpod_server.emulator.reset()
    runpod_server.emulator.configure(RUNPOD_TEST_CONFIG)
    yield runpod_server
    await runpod_server.emulator.reset()


REPLICATE_TEST_TOKEN = "r8_replicate-test-token"
REPLICATE_TEST_CONFIG = ReplicateEmulatorConfig(
    api_token=REPLICATE_TEST_TOKEN, latency_s=0.02, long_side=256, webhook_retry_interval_s=0.05
)


@pytest.fixture(scope="session")
async def replicate_server() -> AsyncIterator[RunningReplicate]:
    """One Replicate emulator for the session, over HTTP on a free port."""
    async with run_replicate_emulator(REPLICATE_TEST_CONFIG) as running:
        yield running


@pytest.fixture
async def replicate(replicate_server: RunningReplicate) -> AsyncIterator[RunningReplicate]:
    """The session's Replicate emulator, emptied and set to REPLICATE_TEST_CONFIG for this test."""
    await replicate_server.emulator.reset()
    replicate_server.emulator.configure(REPLICATE_TEST_CONFIG)
    yield replicate_server
    await replicate_server.emulator.reset()


OPENAI_TEST_KEY = "sk-openai-test-key"
OPENAI_TEST_CONFIG = OpenAIEmulatorConfig(api_key=OPENAI_TEST_KEY, latency_s=0.0)


@pytest.fixture(scope="session")
async def openai_server() -> AsyncIterator[RunningOpenAI]:
    """One OpenAI emulator for the session, over HTTP on a free port."""
    async with run_openai_emulator(OPENAI_TEST_CONFIG) as running:
        yield running


@pytest.fixture
async def openai_emulator(openai_server: RunningOpenAI) -> AsyncIterator[RunningOpenAI]:
    """The session's OpenAI emulator, emptied and set to OPENAI_TEST_CONFIG for this test."""
    await openai_server.emulator.reset()
    openai_server.emulator.configure(OPENAI_TEST_CONFIG)
    yield openai_server
    await openai_server.emulator.reset()


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
