"""The gateway's command line: serve (the default), migrate, and manage API keys.

`python -m actormaker.gateway` with no command serves, as compose and the local stack run it.
The commands read DATABASE_URL and the rest from the environment, like the gateway.
"""

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, TypeVar
from uuid import UUID

import typer
import uvicorn
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.errors import NotFound
from actormaker.common.logs import configure_logging
from actormaker.gateway import migrations
from actormaker.gateway.access.keys import create_key, list_keys, revoke_key
from actormaker.gateway.access.models import ApiKey
from actormaker.gateway.access.schemas import ApiKeyCreate
from actormaker.gateway.access.scopes import Scope
from actormaker.gateway.db import create_engine, session_factory
from actormaker.gateway.errors import Conflict
from actormaker.gateway.main import create_app
from actormaker.gateway.settings import GatewaySettings

T = TypeVar("T")

# Plain tracebacks: Typer's pretty ones print local variables, a new key among them.
app = typer.Typer(
    add_completion=False, pretty_exceptions_enable=False, help="The ActorMaker gateway."
)
keys_app = typer.Typer(no_args_is_help=True, help="API keys: create, list and revoke them.")
app.add_typer(keys_app, name="keys")
# The key alone goes to stdout, so `KEY=$(... keys create ...)` captures just it; piped output
# is not cut to 80 columns, so a script gets whole ids and times.
_out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
_err = Console(stderr=True, highlight=False)


@app.callback(invoke_without_command=True)
def default(context: typer.Context) -> None:
    if context.invoked_subcommand is None:
        serve()


@app.command()
def serve() -> None:
    """Run the gateway (what no command does too)."""
    settings = GatewaySettings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        timeout_graceful_shutdown=5,
    )


@app.command()
def migrate() -> None:
    """Bring the database to the newest schema, then exit."""
    asyncio.run(_migrate(GatewaySettings()))
    _err.print("the database is at the newest schema")


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="unique: letters, digits, '.', '_', '-'")],
    scope: Annotated[list[Scope], typer.Option(help="repeat for more; admin ⊇ write ⊇ read")],
    rate_limit: Annotated[
        int | None,
        typer.Option(help="requests a minute; default API_RATE_LIMIT_PER_MINUTE, 0: none"),
    ] = None,
) -> None:
    """Create a key and print it, this once: it is stored only as a hash."""
    try:
        request = ApiKeyCreate(name=name, scopes=scope, rate_limit_per_minute=rate_limit)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        _err.print(problems, style="red", markup=False)
        raise typer.Exit(2) from None
    created = _run(lambda session: create_key(session, request))
    scopes = ", ".join(created.scopes)
    _err.print(f"created API key {created.name!r} ({created.id}) with {scopes}", markup=False)
    _err.print("keep it now: it is not shown again", style="bold")
    _out.print(created.key, markup=False, soft_wrap=True)


@keys_app.command("list")
def list_() -> None:
    """Every key, revoked ones too, newest first; never the keys themselves."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("id", no_wrap=True)  # whole, for `keys revoke`
    for heading in ("name", "prefix", "scopes", "per minute", "created", "last used", "revoked"):
        table.add_column(heading)
    for row in _run(list_keys):
        table.add_row(*_columns(row))
    _out.print(table)


@keys_app.command("revoke")
def revoke(key_id: UUID) -> None:
    """Revoke a key: gateways stop taking it within API_KEY_CACHE_S."""
    row = _run(lambda session: revoke_key(session, key_id))
    _err.print(f"revoked API key {row.name!r} ({row.id})", markup=False)


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    try:
        return asyncio.run(_in_session(GatewaySettings(), work))
    except (Conflict, NotFound) as error:
        _err.print(str(error), style="red", markup=False)
        raise typer.Exit(1) from None


@asynccontextmanager
async def _database(settings: GatewaySettings) -> AsyncIterator[AsyncEngine]:
    """The database, at the newest schema as the gateway makes it at start; so a key can be
    made before the first gateway runs."""
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        await migrations.upgrade(engine, schema=settings.database_schema)
        yield engine
    finally:
        await engine.dispose()


async def _migrate(settings: GatewaySettings) -> None:
    async with _database(settings):
        pass  # getting there is the work


async def _in_session(settings: GatewaySettings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async with _database(settings) as engine, session_factory(engine)() as session:
        return await work(session)


def _columns(row: ApiKey) -> list[str]:
    limit = row.rate_limit_per_minute
    return [
        str(row.id),
        row.name,
        row.prefix,
        " ".join(row.scopes),
        "default" if limit is None else str(limit),
        _when(row.created_at),
        _when(row.last_used_at),
        _when(row.revoked_at),
    ]


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%MZ") if moment else "-"  # stored in UTC
