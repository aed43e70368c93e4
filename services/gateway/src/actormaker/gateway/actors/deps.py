"""Actor dependencies: the "load the actor or 404" step and the sync service, written once."""

from typing import Annotated

from fastapi import Depends, Path

from actormaker.common.assets import AssetBucket
from actormaker.gateway.actors.catalog import load_actor
from actormaker.gateway.actors.models import Actor
from actormaker.gateway.actors.schemas import MAX_ACTOR_ID
from actormaker.gateway.actors.sync import TrainingSync
from actormaker.gateway.deps import ServicesDep, SessionDep, SettingsDep


async def get_actor(
    actor_id: Annotated[int, Path(ge=0, le=MAX_ACTOR_ID)], session: SessionDep
) -> Actor:
    return await load_actor(session, actor_id)


def get_assets(settings: SettingsDep) -> AssetBucket:
    return AssetBucket.from_settings(settings)


ActorDep = Annotated[Actor, Depends(get_actor)]
AssetsDep = Annotated[AssetBucket, Depends(get_assets)]


def get_training_sync(
    services: ServicesDep, session: SessionDep, assets: AssetsDep
) -> TrainingSync:
    return TrainingSync(services=services, session=session, assets=assets)


TrainingSyncDep = Annotated[TrainingSync, Depends(get_training_sync)]
