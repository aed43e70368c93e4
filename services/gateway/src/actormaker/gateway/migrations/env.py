"""Alembic's entry point: run the migrations on the connection `upgrade` hands over, or on
DATABASE_URL's when the alembic command line is used (to write a new revision)."""

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

from actormaker.gateway import db
from actormaker.gateway.settings import GatewaySettings


def run(connection: Connection) -> None:
    # On PostgreSQL the connection's search_path is DATABASE_SCHEMA: every table, the version
    # table included, lands there without naming it.
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on_configured_database() -> None:
    settings = GatewaySettings()
    engine = db.create_engine(settings.database_url, schema=settings.database_schema)
    async with engine.begin() as connection:
        await connection.run_sync(run)
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    asyncio.run(run_on_configured_database())
