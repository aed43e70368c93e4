"""Request dependencies, each written once as an Annotated alias."""

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.bus import Bus
from actormaker.common.storage import Storage
from actormaker.gateway.errors import Unauthorized
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


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with services.sessions() as session:
        yield session


BusDep = Annotated[Bus, Depends(get_bus)]
SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
StorageDep = Annotated[Storage, Depends(get_storage)]
FileLinksDep = Annotated[FileLinks, Depends(get_file_links)]
FeedsDep = Annotated[JobFeeds, Depends(get_feeds)]


async def get_job(job_id: UUID, services: ServicesDep) -> Job:
    # A session of its own, closed at once: an SSE stream must not hold a pooled connection
    # for as long as it stays open.
    async with services.sessions() as session:
        return await load_job(session, job_id)


JobDep = Annotated[Job, Depends(get_job)]

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
]
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID")]


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
    description="`Authorization: Bearer <API_KEY>`; not needed when the gateway has no API_KEY",
)
BearerKey = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
MISSING_KEY = "missing or wrong API key: send Authorization: Bearer <API_KEY>"


def bearer_is_valid(
    settings: GatewaySettings, credentials: HTTPAuthorizationCredentials | None
) -> bool:
    """Whether the request may pass: no API_KEY is set, or it carries the right bearer key."""
    if settings.api_key is None:
        return True
    if credentials is None:
        return False
    expected = settings.api_key.get_secret_value().encode()
    return hmac.compare_digest(credentials.credentials.strip().encode(), expected)


def require_api_key(settings: SettingsDep, credentials: BearerKey) -> None:
    """When API_KEY is set, every /api request must carry `Authorization: Bearer <key>`."""
    if not bearer_is_valid(settings, credentials):
        raise Unauthorized(MISSING_KEY)
