"""A gateway with a data folder of its own per test, on SQLite (and PostgreSQL when configured)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from actormaker.common.settings import CommonSettings
from tests.gateway.conftest import Database, Gateway, database, gateway_settings, running_gateway

__all__ = ["database"]

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


@pytest.fixture
async def gateway(
    settings: CommonSettings, database: Database, tmp_path: Path
) -> AsyncIterator[Gateway]:
    own_data = settings.model_copy(update={"data_dir": tmp_path / "data"})
    configured = gateway_settings(own_data, database, workflows_dir=WORKFLOWS)
    async with running_gateway(configured) as running:
        yield running
