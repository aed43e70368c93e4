"""What a service refuses to start with when ENVIRONMENT=production.

Credentials anyone can guess (the defaults of this repository, its compose file, moto, MinIO
and AWS's documentation), emulated provider keys, an S3 endpoint or provider URL that is an
emulator, and a short API key. Each settings class names its own problems; a service collects
them at start and stops with every one of them, each naming the variable to set.
"""

from collections.abc import Iterable
from typing import Protocol
from urllib.parse import urlsplit

from pydantic import SecretStr

MIN_API_KEY_LENGTH = 32

# Lower-cased. Whoever has read this repository, or the tools' docs, knows each of these.
EXAMPLE_SECRETS = frozenset(
    {
        "",
        "testing",
        "test",
        "local-dev",
        "emulated",
        "runpod-test-key",
        "actormaker",
        "actormaker-secret",
        "minioadmin",
        "postgres",
        "password",
        "secret",
        "changeme",
        "akiaiosfodnn7example",
        "wjalrxutnfemi/k7mdeng/bpxrficyexamplekey",
    }
)
# moto's server, LocalStack, and the local stack's own S3 and RunPod emulator.
EMULATOR_PORTS = frozenset({5000, 4566, 14566, 14100, 14101, 14102})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104 - a name, not a bind


class UnsafeForProduction(RuntimeError):
    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        listed = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"refusing to start with ENVIRONMENT=production:\n{listed}")


class ChecksProduction(Protocol):
    def production_problems(self) -> list[str]: ...


def is_example_secret(secret: SecretStr | str | None) -> bool:
    """Whether a credential is missing or one anyone could guess."""
    if secret is None:
        return True
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    return value.strip().lower() in EXAMPLE_SECRETS


def is_emulator_url(url: str) -> bool:
    """Whether `url` is a loopback address or a port our emulators and moto listen on."""
    parts = urlsplit(url)
    return (parts.hostname or "").lower() in _LOOPBACK or parts.port in EMULATOR_PORTS


def secret_problem(variable: str, secret: SecretStr | str | None) -> list[str]:
    """The problem with a credential, as a one-item list (none when it is fine)."""
    if secret is None or not (
        secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    ):
        return [f"{variable} is not set"]
    if is_example_secret(secret):
        return [f"{variable} is an example or default value; set a real one"]
    return []


def url_problem(variable: str, url: str | None, what: str) -> list[str]:
    if url is not None and is_emulator_url(url):
        return [f"{variable}={url} points at an emulator or this machine, not {what}"]
    return []


def require_safe_for_production(environment: str, *settings: ChecksProduction) -> None:
    """Raise UnsafeForProduction listing every problem, when `environment` is production."""
    if environment != "production":
        return
    problems = [problem for configured in settings for problem in configured.production_problems()]
    if problems:
        raise UnsafeForProduction(problems)
