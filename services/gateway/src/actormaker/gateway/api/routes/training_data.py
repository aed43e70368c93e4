"""The seed system's training-data API, same paths and shapes (styles/legacy.py)."""

from fastapi import APIRouter, Response, status

from actormaker.gateway.deps import IdempotencyKey, ServicesDep, SessionDep, StorageDep
from actormaker.gateway.presenters import job_accepted
from actormaker.gateway.schemas import JobAccepted
from actormaker.gateway.styles.deps import SubmitterDep
from actormaker.gateway.styles.legacy import (
    LegacyDeleteRequest,
    LegacyDeleteResponse,
    LegacyGenerateRequest,
    LegacyGenerateResponse,
    legacy_delete,
    legacy_outcome,
    start_legacy_generation,
)

router = APIRouter(prefix="/training-data", tags=["training data (seed API)"])


@router.post(
    "/generate",
    status_code=status.HTTP_202_ACCEPTED,
    responses={status.HTTP_200_OK: {"model": LegacyGenerateResponse}},
)
async def generate(
    body: LegacyGenerateRequest,
    submitter: SubmitterDep,
    services: ServicesDep,
    response: Response,
    wait: bool = False,
    idempotency_key: IdempotencyKey = None,
) -> JobAccepted | LegacyGenerateResponse:
    """202 with the job; with ?wait=true, 200 with the seed's result once it has finished."""
    job = await start_legacy_generation(submitter, body, idempotency_key=idempotency_key)
    if wait and (outcome := await legacy_outcome(services, job)):
        response.status_code = status.HTTP_200_OK
        return outcome
    return job_accepted(job)


@router.post("/delete")
async def delete(
    body: LegacyDeleteRequest, session: SessionDep, storage: StorageDep
) -> LegacyDeleteResponse:
    return await legacy_delete(session, storage, body)
