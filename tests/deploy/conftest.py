"""Tests of what is deployed: the production image's contents, NATS's config, the compose stack."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "image_build: replays the Dockerfile's build stages into a fresh environment with uv "
        "(slow: tens of seconds with uv's cache, longer when it must download)",
    )
    config.addinivalue_line(
        "markers", "docker: needs a Docker engine and Compose; skipped, saying so, without them"
    )
