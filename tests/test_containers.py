"""No Docker engine runs here, so the container files are checked against the code instead.

tests/deploy/ goes further without Docker (the production image's packages, NATS's config) and
runs the compose stack where an engine answers.
"""

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from actormaker.devstack.stack import WORKERS, service_exists
from tests.deploy.dockerfile import instructions, lineage, stage, stages

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_IMAGE = "actormaker:${ACTORMAKER_TAG:-local}"
EMULATORS_IMAGE = "actormaker-emulators:${ACTORMAKER_TAG:-local}"
WORKER_HEALTH_URL = "http://127.0.0.1:9100/healthz"
# An exact release: 2.12.15, 16.15, 3.11.16, 0.13.9 or MinIO's RELEASE.<date>, never 2.12 or 16.
_EXACT_TAG = re.compile(
    r"^(\d+\.\d+(\.\d+)?(-[a-z0-9.]+)*|RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ)$"
)
_SEMVER_IMAGES = {"nats", "python", "ghcr.io/astral-sh/uv"}  # these publish x.y.z


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def our_services(compose: dict[str, Any]) -> dict[str, list[str]]:
    """The services that run the production image, by their command."""
    return {
        name: service["command"]
        for name, service in compose["services"].items()
        if service.get("image") == PRODUCTION_IMAGE
    }


def workers(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: compose["services"][name]
        for name, command in our_services(compose).items()
        if command[0] != "actormaker.gateway"
    }


def one_shot_services(compose: dict[str, Any]) -> set[str]:
    """Services others wait on to have exited successfully: they run once, so no health check."""
    return {
        dependency
        for service in compose["services"].values()
        for dependency, condition in (service.get("depends_on") or {}).items()
        if condition.get("condition") == "service_completed_successfully"
    }


def split_image(image: str) -> tuple[str, str | None]:
    """`name:tag` into its parts; a registry's port is part of the name."""
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return image, None
    return name, tag


def test_every_service_command_runs_a_module_that_exists(compose: dict[str, Any]) -> None:
    commands = our_services(compose)
    assert {"gateway", "img2img", "s3sync", "datagen"} <= commands.keys()
    emulator = compose["services"]["runpod-emulator"]
    assert emulator["image"] == EMULATORS_IMAGE
    for name, command in [*commands.items(), ("runpod-emulator", emulator["command"])]:
        module = command[0]
        assert importlib.util.find_spec(f"{module}.__main__"), f"{name}: no {module}.__main__"


def test_every_worker_that_exists_is_in_compose_and_the_production_image(
    compose: dict[str, Any],
) -> None:
    commands = {command[0] for command in our_services(compose).values()}
    installed = set(
        re.findall(
            r"--package (actormaker-[a-z0-9-]+)",
            (ROOT / "deploy/install-production.sh").read_text(),
        )
    )
    for worker in filter(service_exists, WORKERS):
        assert f"actormaker.{worker}" in commands
        assert f"actormaker-{worker}" in installed, f"deploy/install-production.sh lacks {worker}"


def test_our_services_build_their_dockerfile_target(compose: dict[str, Any]) -> None:
    targets = {s.name for s in stages()}
    for name, service in compose["services"].items():
        if "build" not in service:
            continue
        build = service["build"]
        assert build["context"] == "."
        assert build["target"] in targets, f"{name} builds unknown target {build['target']}"
        expected = PRODUCTION_IMAGE if build["target"] == "production" else EMULATORS_IMAGE
        assert service["image"] == expected, name
    assert compose["services"]["runpod-emulator"]["build"]["target"] == "emulators"
    assert compose["services"]["runpod-emulator"]["profiles"] == ["emulators"]
    for name in our_services(compose):
        assert compose["services"][name]["build"]["target"] == "production"
        assert "profiles" not in compose["services"][name]


def test_dependencies_volumes_and_health_checks_are_declared(compose: dict[str, Any]) -> None:
    services = compose["services"]
    one_shots = one_shot_services(compose)
    assert one_shots == {"buckets"}
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in compose["volumes"], f"{name} uses undeclared volume {source}"
        if name in one_shots:
            assert "healthcheck" not in service
            assert "restart" not in service, f"{name} runs once; a restart policy reruns it"
        else:
            assert "healthcheck" in service, f"{name} has no health check"
            assert service["healthcheck"]["test"][0] == "CMD"
    assert "API_KEY" in services["gateway"]["environment"]
    assert "/readyz" in " ".join(services["gateway"]["healthcheck"]["test"])


PROVIDER_KEYS = {"RUNPOD_API_KEY", "REPLICATE_API_TOKEN", "OPENAI_API_KEY"}


def test_secrets_are_required_never_defaulted(compose: dict[str, Any]) -> None:
    """ADR 0008: a secret comes from the environment; only the providers' keys default to
    `emulated` (for the emulators profile), and production refuses that."""
    secret = re.compile(r"(KEY|PASSWORD|SECRET|TOKEN)$")
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if not secret.search(variable) or variable == "AWS_ACCESS_KEY_ID":
                continue
            value = str(value)
            required = re.search(r"\$\{[A-Z_]+:\?[^}]*\}", value)
            empty_default = re.fullmatch(r"\$\{[A-Z_]+:-\}", value)
            emulated = value == f"${{{variable}:-emulated}}" and variable in PROVIDER_KEYS
            assert required or empty_default or emulated, f"{name}: {variable}={value}"


def test_third_party_images_are_pinned_to_exact_versions(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image, tag = split_image(service["image"])
        assert tag is not None, f"{name}: {service['image']} has no tag"
        assert "latest" not in tag, f"{name}: {service['image']}"
        if "build" in service:
            continue  # ours: tagged by ACTORMAKER_TAG
        assert _EXACT_TAG.match(tag), f"{name}: {service['image']} is not an exact version"
        if image in _SEMVER_IMAGES:
            assert re.match(r"^\d+\.\d+\.\d+", tag), f"{name}: {service['image']}"


def test_workers_scale_and_answer_their_health_checks(compose: dict[str, Any]) -> None:
    found = workers(compose)
    assert {"img2img", "s3sync", "datagen"} <= found.keys()
    for name, service in found.items():
        # `docker compose up --scale NAME=4` needs neither a fixed name nor a host port.
        assert "container_name" not in service, name
        assert "ports" not in service, name
        assert service["environment"]["METRICS_PORT"] == "9100", name
        assert service["environment"]["METRICS_HOST"] == "0.0.0.0", name
        assert WORKER_HEALTH_URL in " ".join(service["healthcheck"]["test"]), name
        assert "nats" in service["depends_on"], name


def test_nats_runs_with_the_config_file_that_exists(compose: dict[str, Any]) -> None:
    nats = compose["services"]["nats"]
    assert nats["command"] == ["-c", "/etc/nats/nats.conf"]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in nats["volumes"]}
    config = ROOT / mounts["/etc/nats/nats.conf"]
    assert config.is_file()
    assert "/etc/nats/nats.conf:ro" in " ".join(nats["volumes"])
    text = config.read_text()
    assert re.search(r"^jetstream\s*\{", text, flags=re.MULTILINE)
    assert re.search(r"^\s*store_dir:\s*/data\s*$", text, flags=re.MULTILINE)
    assert mounts["/data"] in compose["volumes"]
    assert "sync_interval" in text
    assert "password" not in re.sub(r"#.*", "", text).lower(), "no secrets in nats.conf"


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


def test_dockerfile_bases_are_pinned_and_images_run_unprivileged() -> None:
    all_stages = stages()
    names = {s.name for s in all_stages}
    for s in all_stages:
        if s.base in names:
            continue
        image, tag = split_image(s.base)
        assert tag is not None, f"{s.base} has no tag"
        assert re.match(r"^\d+\.\d+\.\d+", tag), f"FROM {s.base} is not an exact version"
        if image == "python":
            assert tag.endswith("-slim-bookworm"), s.base
    # The default target (the last stage) is the production image.
    assert all_stages[-1].name == "production"
    # The venv is made and used on the same Python.
    build_python = lineage("build", all_stages)[0].base
    for target in ("production", "emulators"):
        chain = lineage(target, all_stages)
        assert chain[0].base == build_python, target
        steps = [step for s in chain for step in s.instructions]
        users = [step.arguments for step in steps if step.keyword == "USER"]
        assert users, f"{target} runs as root"
        assert re.fullmatch(r"[1-9]\d{3,}(:\d+)?", users[-1]), f"{target}: USER {users[-1]}"
        entrypoint = [json.loads(step.arguments) for step in steps if step.keyword == "ENTRYPOINT"]
        assert entrypoint[-1] == ["python", "-m"]
    production = stage("production", all_stages)
    assert "COPY --from=build /app/.venv /app/.venv" in [
        f"COPY {step.arguments}" for step in production.instructions
    ]
    assert not [step for step in production.instructions if step.keyword == "RUN"]


def test_dockerfile_installs_with_the_one_production_command() -> None:
    runs = [step.arguments for step in instructions((ROOT / "Dockerfile").read_text())]
    assert any("sh deploy/install-production.sh" in run for run in runs)
    script = (ROOT / "deploy/install-production.sh").read_text()
    assert "--frozen" in script
    assert "--no-dev" in script
    assert "--no-editable" in script
    packages = re.findall(r"--package (\S+)", script)
    assert not [p for p in packages if "emulators" in p or "devstack" in p], packages
