"""The gateway app: HTTP API, projector and dead-letter watcher in one process."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from actormaker.common.bus import Bus
from actormaker.common.ledger import Nudges, ProviderLedger
from actormaker.common.production import require_safe_for_production
from actormaker.common.storage import open_workspace
from actormaker.common.tracing import configure_tracing, shutdown_tracing
from actormaker.gateway import migrations
from actormaker.gateway.access.gate import ApiKeyGate
from actormaker.gateway.api.main import api_router, health_router, metrics_router, open_router
from actormaker.gateway.api.openapi import document_errors
from actormaker.gateway.console import mount_console
from actormaker.gateway.cors import allow_origins
from actormaker.gateway.db import create_engine, session_factory
from actormaker.gateway.deadletters import create_dead_letter_watcher
from actormaker.gateway.deps import Services
from actormaker.gateway.errors import install_error_handlers
from actormaker.gateway.event_feeds import JobFeeds
from actormaker.gateway.file_links import FileLinks
from actormaker.gateway.input_guard import InputGuard
from actormaker.gateway.middleware import BodySizeLimit
from actormaker.gateway.projector import create_projector
from actormaker.gateway.reconciler import Reconciler
from actormaker.gateway.request_context import RequestContext
from actormaker.gateway.settings import GatewaySettings
from actormaker.gateway.webhooks import WebhookInbox


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """Build the app; connections are made when its lifespan starts."""
    settings = settings or GatewaySettings()
    require_safe_for_production(settings.environment, settings)
    # Before the app exists: FastAPI traces requests with the provider it finds.
    configure_tracing("gateway")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, schema=settings.database_schema)
        await migrations.upgrade(engine, schema=settings.database_schema)
        bus = await Bus.connect(
            settings, name="gateway", publish_deadline=settings.publish_deadline_s
        )
        sessions = session_factory(engine)
        feeds = JobFeeds(bus.js, linger=settings.sse_feed_linger_s)
        secret = settings.replicate_webhook_secret
        reconciler = Reconciler(
            bus,
            sessions,
            interval=settings.reconcile_interval_s,
            outbox_after=settings.outbox_retry_after_s,
            stuck_after=settings.item_stuck_after_s,
        )
        background = [create_projector(bus, sessions), create_dead_letter_watcher(bus), reconciler]
        for consumer in background:
            await consumer.start()
        app.state.services = Services(
            settings=settings,
            bus=bus,
            engine=engine,
            sessions=sessions,
            storage=open_workspace(settings),
            file_links=FileLinks.from_settings(settings),
            feeds=feeds,
            webhooks=WebhookInbox(
                ledger=await ProviderLedger.open(bus.js, settings),
                nudges=Nudges(bus.nc),
                replicate_secret=secret.get_secret_value() if secret else None,
                tolerance_s=settings.webhook_tolerance_s,
            ),
            gate=ApiKeyGate.from_settings(settings, sessions),
        )
        try:
            yield
        finally:
            await asyncio.gather(*(consumer.stop() for consumer in background))
            await feeds.close()
            await bus.close()
            await engine.dispose()
            shutdown_tracing()

    docs = settings.serves_docs
    app = FastAPI(
        title="ActorMaker",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    # The size limit is outermost: nothing reads a body past it.
    app.add_middleware(InputGuard)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        # Outside the size limit, and auth is further in: preflights are answered here, and
        # every answer, a refusal too, carries the headers a browser needs to read it.
        allow_origins(app, settings.cors_origins)
    # Outermost of all: even a refused request gets an id, a log line and a count.
    app.add_middleware(RequestContext)
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(api_router)
    app.include_router(open_router)
    mount_console(app)
    document_errors(app)
    return app
