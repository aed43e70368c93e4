"""The seed system's training-data API, same paths and shapes (styles/legacy.py)."""

from fastapi import APIRouter, Response

from actormaker.gateway.answers import ASYNC_ANSWER, answer_when_done
from actormaker.gateway.deps import (
    IdempotencyKey,
    RespondAsync,
    ServicesDep,
    SessionDep,
    StorageDep,
)
from actormaker.gateway.schemas import JobAccepted
from actormaker.gateway.styles.deps import SubmitterDep
from actormaker.gateway.styles.legacy import (
    LegacyDeleteRequest,
    LegacyDeleteResponse,
    LegacyGenerateRequest,
    LegacyGenerateResponse,
    legacy_delete,
    legacy_response,
    start_legacy_generation,
)

router = APIRouter(prefix="/training-data", tags=["training data (seed API)"])


@router.post("/generate", responses=ASYNC_ANSWER)
async def generate(
    body: LegacyGenerateRequest,
    submitter: SubmitterDep,
    services: ServicesDep,
    response: Response,
    respond_async: RespondAsync,
    idempotency_key: IdempotencyKey = None,
) -> LegacyGenerateResponse | JobAccepted:
    """The seed's result once every image is done; an image that fails is reported, not fatal."""
    job = await start_legacy_generation(submitter, body, idempotency_key=idempotency_key)
    return await answer_when_done(
        services, job, legacy_response, respond_async=respond_async, response=response
    )


@router.post("/delete")
async def delete(
    body: LegacyDeleteRequest, session: SessionDep, storage: StorageDep
) -> LegacyDeleteResponse:
    return await legacy_delete(session, storage, body)
