"""Selection dependencies: the owner a path names (404 if missing) and the image catalogue."""

from typing import Annotated

from fastapi import Depends

from actormaker.common.assets import AssetBucket
from actormaker.common.s3client import s3_clients
from actormaker.gateway.actors.deps import ActorDep
from actormaker.gateway.deps import SessionDep, SettingsDep, StorageDep
from actormaker.gateway.selections.catalog import TrainingImages
from actormaker.gateway.selections.owners import Owner, actor_owner, style_owner
from actormaker.gateway.styles.deps import StyleDep


def get_catalog(session: SessionDep, storage: StorageDep, settings: SettingsDep) -> TrainingImages:
    return TrainingImages(
        session=session,
        storage=storage,
        assets=AssetBucket.from_settings(settings),
        s3=s3_clients(settings),
    )


CatalogDep = Annotated[TrainingImages, Depends(get_catalog)]


def get_style_owner(style: StyleDep) -> Owner:
    return style_owner(style)


def get_actor_owner(actor: ActorDep) -> Owner:
    return actor_owner(actor)
