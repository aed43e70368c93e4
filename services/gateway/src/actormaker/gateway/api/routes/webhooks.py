from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from actormaker.gateway.deps import ServicesDep
from actormaker.gateway.webhooks import WebhookReceipt

router = APIRouter(tags=["webhooks"])
REFUSAL = {403: {"description": "unknown step, or a token or signature that does not match"}}

Provider = Annotated[Literal["runpod", "replicate"], Path(description="who reports")]


@router.post("/webhooks/{provider}/{job_id}/{item_id}/{step}", responses=REFUSAL)
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


@router.post("/training-webhook", responses=REFUSAL)
async def training_webhook(
    request: Request,
    services: ServicesDep,
    step: Annotated[str, Query(max_length=200)] = "",
    token: Annotated[str, Query(max_length=200)] = "",
) -> WebhookReceipt:
    """The seed's route: a trainer reports on a run (RunPod's envelope or the seed's flat body).

    Nothing in the body is believed: the per-run token in the URL must match, then the waiting
    training worker confirms with the provider's status API (the full job id, `-e1` included)
    before anything changes. Duplicates and late deliveries are answered and change nothing.
    """
    return await services.webhooks.receive_for_step(
        step, token=token, headers=request.headers, body=await request.body()
    )
