"""Gateway fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set) and a
running gateway on a free port."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.bus import Bus
from actormaker.common.settings import CommonSettings
from actormaker.devstack.asgi import serve_asgi
from actormaker.gateway import migrations
from actormaker.gateway.db import create_engine, session_factory
from actormaker.gateway.deps import Services
from actormaker.gateway.main import create_app
from actormaker.gateway.settings import GatewaySettings

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = [
    "sqlite",
    *([pytest.param("postgres", marks=pytest.mark.postgres)] if POSTGRES_URL else []),
]


@dataclass(frozen=True)
class Database:
    url: str
    schema: str | None


@asynccontextmanager
async def fresh_database(backend: str, folder: Path) -> AsyncIterator[Database]:
    """A SQLite file in `folder`, or a PostgreSQL schema of its own, dropped afterwards."""
    if backend == "sqlite":
        yield Database(url=f"sqlite+aiosqlite:///{folder / 'gateway.db'}", schema=None)
        return
    assert POSTGRES_URL
    schema = f"t_{uuid4().hex[:12]}"
    yield Database(url=POSTGRES_URL, schema=schema)
    engine = create_engine(POSTGRES_URL)
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database per test, on every configured backend."""
    async with fresh_database(request.param, tmp_path) as fresh:
        yield fresh


@pytest.fixture
async def sessions(database: Database) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database.url, schema=database.schema)
    await migrations.upgrade(engine, schema=database.schema)
    yield session_factory(engine)
    await engine.dispose()


def gateway_settings(
    settings: CommonSettings, database: Database, **overrides: object
) -> GatewaySettings:
    fields = {
        **settings.model_dump(),
        "database_url": database.url,
        "database_schema": database.schema,
        "sse_idle_check_s": 0.5,
        "sse_feed_linger_s": 0.1,
    }
    return GatewaySettings(**fields | overrides)


@dataclass(frozen=True)
class Gateway:
    url: str
    client: httpx.AsyncClient
    services: Services

    @property
    def bus(self) -> Bus:
        return self.services.bus


@asynccontextmanager
async def running_gateway(settings: GatewaySettings) -> AsyncIterator[Gateway]:
    """A gateway serving on a free loopback port, with a client pointed at it."""
    app = create_app(settings)
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        yield Gateway(url=url, client=client, services=app.state.services)


@pytest.fixture
async def gateway(settings: CommonSettings, database: Database) -> AsyncIterator[Gateway]:
    async with running_gateway(gateway_settings(settings, database)) as running:
        yield running
