"""No Docker engine runs here, so the container files are checked against the code instead."""

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from actormaker.devstack.stack import WORKERS, service_exists

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def our_services(compose: dict[str, Any]) -> dict[str, list[str]]:
    return {
        name: service["command"]
        for name, service in compose["services"].items()
        if service.get("image") == "actormaker:latest"
    }


def test_every_service_command_runs_a_module_that_exists(compose: dict[str, Any]) -> None:
    commands = our_services(compose)
    assert {"gateway", "img2img", "s3sync"} <= commands.keys()
    for name, command in commands.items():
        module = command[0]
        assert importlib.util.find_spec(f"{module}.__main__"), f"{name}: no {module}.__main__"


def test_every_worker_that_exists_is_in_compose(compose: dict[str, Any]) -> None:
    commands = {command[0] for command in our_services(compose).values()}
    for worker in filter(service_exists, WORKERS):
        assert f"actormaker.{worker}" in commands


def test_dependencies_volumes_and_health_checks_are_declared(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in compose["volumes"]
    for name in ("nats", "postgres", "minio", "gateway"):
        assert "healthcheck" in services[name], f"{name} has no health check"
    assert "-js" in services["nats"]["command"]
    assert "API_KEY" in services["gateway"]["environment"]


def test_dockerfile_copies_every_workspace_member() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\S+/pyproject\.toml) ", dockerfile, flags=re.MULTILINE))
    members = {
        str(path.relative_to(ROOT))
        for pattern in (
            "libs/*/pyproject.toml",
            "services/*/pyproject.toml",
            "tools/*/pyproject.toml",
        )
        for path in ROOT.glob(pattern)
    }
    assert copied == members
    for source in re.findall(r"^COPY (?!--from)(\S+) ", dockerfile, flags=re.MULTILINE):
        assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
