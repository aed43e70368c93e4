"""Schema migrations (Alembic): the gateway's tables, upgraded to the newest revision at start.

`upgrade` runs on the gateway's own engine, under a PostgreSQL advisory lock so replicas that
start together migrate once. A database made by `create_all` before migrations existed is
stamped with the first revision, which is that schema, and upgraded from there.

A new revision: change the models, then
`uv run alembic -c services/gateway/alembic.ini revision --autogenerate -m "what changed"`
(against a database at head; tests/gateway/test_migrations.py fails until the two agree).
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

BASELINE = "0001"
_LOCK = 7_291_001  # any fixed number: the advisory lock the gateway's migrations take


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, without an ini file: the scripts live beside this module."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, *, schema: str | None = None) -> None:
    """Bring the database (tables in `schema` on PostgreSQL) to the newest revision."""
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
            if schema:
                await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await connection.run_sync(_upgrade, schema)


def _upgrade(connection: Connection, schema: str | None) -> None:
    config = alembic_config(connection)
    tables = inspect(connection)
    if tables.has_table("job", schema) and not tables.has_table("alembic_version", schema):
        command.stamp(config, BASELINE)
    command.upgrade(config, "head")
