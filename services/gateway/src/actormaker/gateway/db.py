"""The database engine and sessions: SQLite by default, PostgreSQL by DATABASE_URL."""

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.gateway import models  # noqa: F401  (registers the tables)
from actormaker.gateway.access import models as access_models  # noqa: F401
from actormaker.gateway.actors import models as actor_models  # noqa: F401
from actormaker.gateway.selections import models as selection_models  # noqa: F401
from actormaker.gateway.styles import models as style_models  # noqa: F401
from actormaker.gateway.training import models as training_models  # noqa: F401

_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def async_database_url(url: str) -> str:
    """The URL with an async driver, so `postgresql://...` and `sqlite:///...` both work."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False) if driver else url


def create_engine(url: str, *, schema: str | None = None) -> AsyncEngine:
    """An engine for `url` (tables in `schema` on PostgreSQL when given).

    SQLite gets WAL and a busy timeout, so readers never block the projector's writes.
    """
    url = async_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        connect_args = {"server_settings": {"search_path": schema}} if schema else {}
        return create_async_engine(url, pool_pre_ping=True, connect_args=connect_args)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
