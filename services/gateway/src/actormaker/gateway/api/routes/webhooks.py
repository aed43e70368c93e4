from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from actormaker.gateway.deps import ServicesDep
from actormaker.gateway.webhooks import WebhookReceipt

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

Provider = Annotated[Literal["runpod", "replicate"], Path(description="who reports")]


@router.post(
    "/{provider}/{job_id}/{item_id}/{step}",
    responses={403: {"description": "unknown step, or a token or signature that does not match"}},
)
async def provider_webhook(
    provider: Provider,
    job_id: str,
    item_id: str,
    step: str,
    request: Request,
    services: ServicesDep,
    token: Annotated[str, Query(max_length=200)] = "",
) -> WebhookReceipt:
    """A provider reports that a job finished: the waiting worker is told to check now.

    Open without the API key: the per-step token in the URL (and for Replicate the
    `webhook-signature` header) is the credential.
    """
    return await services.webhooks.receive(
        provider,
        f"{job_id}.{item_id}.{step}",
        token=token,
        headers=request.headers,
        body=await request.body(),
    )
