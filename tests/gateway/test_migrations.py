"""Migrations: the models and the revisions agree, on SQLite and PostgreSQL; a database made
before migrations existed keeps its rows; replicas starting together migrate once."""

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from actormaker.gateway import migrations
from actormaker.gateway.db import create_engine
from tests.gateway.conftest import Database

# The tables create_all made before migrations existed: revision 0001's.
BEFORE_MIGRATIONS = ("actor", "job", "style", "job_item", "command_outbox")


def engine_for(database: Database) -> AsyncEngine:
    return create_engine(database.url, schema=database.schema)


async def revision_of(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head() -> str:
    head_revision = ScriptDirectory.from_config(migrations.alembic_config()).get_current_head()
    assert head_revision is not None
    return head_revision


async def test_the_migrations_build_exactly_the_models_tables(database: Database) -> None:
    engine = engine_for(database)
    await migrations.upgrade(engine, schema=database.schema)

    def check(connection: Connection) -> None:
        # Raises when autogenerate would write a revision: models and migrations disagree.
        command.check(migrations.alembic_config(connection))

    async with engine.connect() as connection:
        await connection.run_sync(check)
    assert await revision_of(engine) == head()
    await engine.dispose()


async def test_down_to_nothing_and_up_again(database: Database) -> None:
    engine = engine_for(database)
    await migrations.upgrade(engine, schema=database.schema)

    def downgrade(connection: Connection) -> None:
        command.downgrade(migrations.alembic_config(connection), "base")

    async with engine.begin() as connection:
        await connection.run_sync(downgrade)
    assert await revision_of(engine) is None
    await migrations.upgrade(engine, schema=database.schema)
    assert await revision_of(engine) == head()
    await engine.dispose()


async def test_a_database_from_before_migrations_keeps_its_rows(
    database: Database, tmp_path: Path
) -> None:
    engine = engine_for(database)
    async with engine.begin() as connection:
        if database.schema:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"'))
        tables = [SQLModel.metadata.tables[name] for name in BEFORE_MIGRATIONS]
        await connection.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=tables))
        await connection.execute(
            text(
                "INSERT INTO style (id, name, folder, lora_name, lora_strength_model, "
                "lora_strength_clip, frontpad, backpad, settings, created_at, updated_at) "
                "VALUES ('1', 'Ink', '1_ink', 'a.safetensors', 1, 1, '', '', '{}', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )

    await migrations.upgrade(engine, schema=database.schema)

    assert await revision_of(engine) == head()
    async with engine.connect() as connection:
        names = (await connection.execute(text("SELECT name FROM style"))).scalars().all()
    assert names == ["Ink"]
    await engine.dispose()


async def test_gateways_starting_together_migrate_once(database: Database) -> None:
    if database.schema is None:
        pytest.skip("replicas share PostgreSQL: SQLite serves a single gateway")
    engines = [engine_for(database) for _ in range(3)]

    await asyncio.gather(*(migrations.upgrade(e, schema=database.schema) for e in engines))

    assert {await revision_of(engine) for engine in engines} == {head()}
    for engine in engines:
        await engine.dispose()
