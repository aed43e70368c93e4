"""Request dependencies, each written once as an Annotated alias."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.bus import Bus
from actormaker.common.storage import Storage
from actormaker.gateway.access.gate import ApiKeyGate
from actormaker.gateway.access.scopes import Caller, Scope, scope_for_method
from actormaker.gateway.event_feeds import JobFeeds
from actormaker.gateway.file_links import FileLinks
from actormaker.gateway.jobs import load_job
from actormaker.gateway.models import Job
from actormaker.gateway.settings import GatewaySettings
from actormaker.gateway.webhooks import WebhookInbox


@dataclass(frozen=True)
class Services:
    """What the lifespan builds once and every request shares."""

    settings: GatewaySettings
    bus: Bus
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    storage: Storage
    file_links: FileLinks
    feeds: JobFeeds
    webhooks: WebhookInbox
    gate: ApiKeyGate


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_bus(services: ServicesDep) -> Bus:
    return services.bus


def get_settings(services: ServicesDep) -> GatewaySettings:
    return services.settings


def get_storage(services: ServicesDep) -> Storage:
    return services.storage


def get_file_links(services: ServicesDep) -> FileLinks:
    return services.file_links


def get_feeds(services: ServicesDep) -> JobFeeds:
    return services.feeds


def get_gate(services: ServicesDep) -> ApiKeyGate:
    return services.gate


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with services.sessions() as session:
        yield session


BusDep = Annotated[Bus, Depends(get_bus)]
SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
StorageDep = Annotated[Storage, Depends(get_storage)]
FileLinksDep = Annotated[FileLinks, Depends(get_file_links)]
FeedsDep = Annotated[JobFeeds, Depends(get_feeds)]
GateDep = Annotated[ApiKeyGate, Depends(get_gate)]


async def get_job(job_id: UUID, services: ServicesDep) -> Job:
    # A session of its own, closed at once: an SSE stream must not hold a pooled connection
    # for as long as it stays open.
    async with services.sessions() as session:
        return await load_job(session, job_id)


JobDep = Annotated[Job, Depends(get_job)]

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
]


def last_event_id(
    header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    query: Annotated[
        str | None,
        Query(
            alias="last_event_id",
            description="the Last-Event-ID header, for a client that cannot send it",
        ),
    ] = None,
) -> str | None:
    """Where to resume an event stream: the header, or the query a new EventSource can carry."""
    return header if header is not None else query


LastEventId = Annotated[str | None, Depends(last_event_id)]


def prefers_async(
    prefer: Annotated[
        str | None,
        Header(
            max_length=1024,
            description="`respond-async` (RFC 7240): answer 202 with the job at once",
        ),
    ] = None,
) -> bool:
    """Whether the client sent `Prefer: respond-async` (among any other preferences)."""
    if not prefer:
        return False
    names = (preference.split(";")[0].split("=")[0].strip() for preference in prefer.split(","))
    return any(name.lower() == "respond-async" for name in names)


RespondAsync = Annotated[bool, Depends(prefers_async)]


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="APIKey",
    description="`Authorization: Bearer <key>`: API_KEY or a key from /api/admin/keys; "
    "not needed when the gateway has no API_KEY",
)


# EventSource cannot send headers: the event streams alone take the key in the query (ADR 0012).
_STREAMS = re.compile(r"^/api/(events|jobs/[^/]+/events)$")


def bearer_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    if credentials:
        return credentials.credentials.strip()
    if request.method == "GET" and _STREAMS.match(request.url.path):
        return request.query_params.get("access_token")
    return None


BearerKey = Annotated[str | None, Depends(bearer_key)]


async def require_api_key(request: Request, gate: GateDep, key: BearerKey) -> Caller | None:
    """When API_KEY is set, every /api request needs a key with the scope its method needs."""
    return await gate.admit(key, needs=scope_for_method(request.method))


CallerDep = Annotated[Caller | None, Depends(require_api_key)]


def require_admin(caller: CallerDep) -> None:
    if caller is not None:
        caller.require(Scope.ADMIN)
