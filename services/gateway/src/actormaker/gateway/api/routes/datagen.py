from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from actormaker.gateway.actors.deps import ActorDep
from actormaker.gateway.datagen.estimates import actor_estimate, style_estimate
from actormaker.gateway.datagen.plans import SetPlanner
from actormaker.gateway.datagen.schemas import ActorSetRequest, Estimate, StyleSetRequest
from actormaker.gateway.deps import BusDep, IdempotencyKey, SessionDep, SettingsDep, StorageDep
from actormaker.gateway.models import Job
from actormaker.gateway.presenters import job_accepted
from actormaker.gateway.schemas import JobAccepted
from actormaker.gateway.styles.deps import StyleDep

router = APIRouter(tags=["dataset generation"])

DryRun = Annotated[
    bool, Query(description="answer the planned provider calls, cost and time; run nothing")
]
ANSWERS = {200: {"model": Estimate, "description": "the estimate of a dry run"}}


def get_planner(
    session: SessionDep, bus: BusDep, storage: StorageDep, settings: SettingsDep
) -> SetPlanner:
    return SetPlanner(session=session, bus=bus, storage=storage, settings=settings)


PlannerDep = Annotated[SetPlanner, Depends(get_planner)]


@router.post(
    "/actors/{actor_id}/training-data/generate",
    status_code=status.HTTP_202_ACCEPTED,
    responses=ANSWERS,
)
async def generate_actor_set(
    actor: ActorDep,
    body: ActorSetRequest,
    planner: PlannerDep,
    response: Response,
    dry_run: DryRun = False,
    idempotency_key: IdempotencyKey = None,
) -> JobAccepted | Estimate:
    """The actor's set (2 photoreal, 6 B&W, 4 colour by default) from its portrait."""
    return await _estimate_or_start(
        response,
        dry_run,
        lambda: actor_estimate(body.mix, planner.settings),
        lambda: planner.actor_set(actor, body, idempotency_key=idempotency_key),
    )


@router.post(
    "/styles/{style_id}/training-data/generate-from-source",
    status_code=status.HTTP_202_ACCEPTED,
    responses=ANSWERS,
)
async def generate_style_set(
    style: StyleDep,
    body: StyleSetRequest,
    planner: PlannerDep,
    response: Response,
    dry_run: DryRun = False,
    idempotency_key: IdempotencyKey = None,
) -> JobAccepted | Estimate:
    """`target_count` (20) square training images from 3x3 grids in the source's style."""
    return await _estimate_or_start(
        response,
        dry_run,
        lambda: style_estimate(body.target_count, planner.settings),
        lambda: planner.style_set(style, body, idempotency_key=idempotency_key),
    )


async def _estimate_or_start(
    response: Response,
    dry_run: bool,
    estimate: Callable[[], Estimate],
    start: Callable[[], Awaitable[Job]],
) -> JobAccepted | Estimate:
    """A dry run's estimate (200), or the job started (202)."""
    if dry_run:
        response.status_code = status.HTTP_200_OK
        return estimate()
    return job_accepted(await start())
