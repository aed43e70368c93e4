"""The Dockerfile read as instructions, and its build stages replayed without a Docker engine.

`replay_stage` runs a build stage's COPY, ENV, WORKDIR and RUN instructions (and those of the
stages it builds on) in a temporary directory standing for the image's file system, so a test
can check what the production image would hold: the same files copied, the same commands run.
"""

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"

# What .dockerignore keeps out of the build context, as far as copying our tree is concerned.
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", "var")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


@dataclass
class Stage:
    base: str  # an image, or the name of an earlier stage
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    found: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = pending + stripped
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        found.append(Instruction(keyword.upper(), " ".join(arguments.split())))
    return found


def stages(text: str | None = None) -> list[Stage]:
    """Every `FROM` and what follows it, in order; the last one is the default target."""
    found: list[Stage] = []
    for instruction in instructions(DOCKERFILE.read_text() if text is None else text):
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            words = [word for word in words if not word.startswith("--platform")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            found.append(Stage(base=words[0], name=name))
        elif found:
            found[-1].instructions.append(instruction)
    return found


def stage(name: str, all_stages: list[Stage] | None = None) -> Stage:
    [found] = [s for s in all_stages or stages() if s.name == name]
    return found


def lineage(name: str, all_stages: list[Stage] | None = None) -> list[Stage]:
    """The stage and every earlier stage it is built FROM, the first one first."""
    all_stages = all_stages or stages()
    chain = [stage(name, all_stages)]
    names = {s.name for s in all_stages}
    while chain[0].base in names:
        chain.insert(0, stage(chain[0].base, all_stages))
    return chain


def replay_stage(
    name: str, image_root: Path, *, env: Mapping[str, str], timeout: float
) -> dict[str, str]:
    """Replay build stage `name` with `image_root` as `/`; the environment it ends with.

    COPY takes from the repository (COPY --from another image is left out: `env` supplies
    what it would, such as uv on PATH); RUN runs in `sh` with its `--mount` options dropped.
    """
    environment = dict(env)
    workdir = PurePosixPath("/")
    for step in (step for s in lineage(name) for step in s.instructions):
        words = shlex.split(step.arguments)
        if step.keyword == "WORKDIR":
            workdir = workdir / words[0]
            _inside(image_root, workdir).mkdir(parents=True, exist_ok=True)
        elif step.keyword == "ENV":
            environment |= dict(word.split("=", 1) for word in words)
            environment |= env  # what the caller set wins (e.g. which Python uv uses)
        elif step.keyword == "COPY" and not words[0].startswith("--from"):
            *sources, destination = words
            for source in sources:
                _copy(ROOT / source, _inside(image_root, workdir / destination), destination)
        elif step.keyword == "RUN":
            command = re.sub(r"^(--mount=\S+\s+)+", "", step.arguments)
            subprocess.run(
                ["sh", "-c", command],
                cwd=_inside(image_root, workdir),
                env=environment,
                check=True,
                timeout=timeout,
                capture_output=True,
            )
        elif step.keyword not in {"COPY", "ARG", "LABEL"}:
            raise AssertionError(f"cannot replay {step.keyword} in build stage {name}")
    return environment


def _inside(image_root: Path, path: PurePosixPath) -> Path:
    return image_root / str(path).lstrip("/")


def _copy(source: Path, target: Path, destination: str) -> None:
    """Docker's COPY: a directory's contents into the target, a file into a `dir/` target."""
    if source.is_dir():
        shutil.copytree(source, target, ignore=_IGNORED, dirs_exist_ok=True)
    elif destination.endswith("/") or target.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / source.name)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def clean_environment() -> dict[str, str]:
    """This process's environment without what would point uv at another project or venv."""
    return {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PYTHONHOME"}
        and not key.startswith(("UV_", "PIP_"))
    }
