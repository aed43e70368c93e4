"""Local copies of training data: remove them (S3 is never touched) and report disk use."""

from collections import defaultdict
from collections.abc import Iterable, Mapping

from actormaker.common.actor_files import (
    ACTORS_ROOT,
    BASE_IMAGE,
    TRAINING_DATA,
    actor_dir,
    is_image,
    training_key,
)
from actormaker.common.storage import ObjectInfo, Storage
from actormaker.gateway.actors.models import Actor
from actormaker.gateway.actors.plans import select_files
from actormaker.gateway.actors.schemas import (
    ActorStorage,
    FileSelection,
    LocalRemoval,
    StorageTotals,
    StorageUsage,
)
from actormaker.gateway.actors.training_data import read_training_files


async def remove_local_images(
    storage: Storage, actor: Actor, selection: FileSelection
) -> LocalRemoval:
    """Delete the selected local training images; request.json, response.json and the base
    image stay, so the actor can be synced again."""
    files = await read_training_files(storage, actor.name)
    removed, freed = [], 0
    for name in select_files(actor.name, list(files.local_images), selection):
        if await storage.delete(training_key(actor.name, name)):
            removed.append(name)
            freed += files.local_images[name].size
    return LocalRemoval(
        actor_id=actor.id, actor_name=actor.name, removed=removed, freed_bytes=freed
    )


async def actor_storage(storage: Storage, actor: Actor) -> ActorStorage:
    """What one actor's folder holds."""
    return _usage(actor.name, actor.id, await storage.list(actor_dir(actor.name)))


async def storage_usage(storage: Storage, ids_by_name: Mapping[str, int]) -> StorageUsage:
    """What every actor folder holds, catalog actors or not, and the totals."""
    by_actor: dict[str, list[ObjectInfo]] = defaultdict(list)
    for info in await storage.list(ACTORS_ROOT):
        by_actor[info.key.split("/")[2]].append(info)
    actors = [
        _usage(name, ids_by_name.get(name), infos) for name, infos in sorted(by_actor.items())
    ]
    return StorageUsage(
        actors=actors,
        total=StorageTotals(
            actors=len(actors),
            files=sum(a.files for a in actors),
            bytes=sum(a.bytes for a in actors),
            training_images=sum(a.training_images for a in actors),
            training_bytes=sum(a.training_bytes for a in actors),
        ),
    )


def _usage(name: str, actor_id: int | None, infos: Iterable[ObjectInfo]) -> ActorStorage:
    infos = list(infos)
    training = [i for i in infos if _folder(i) == TRAINING_DATA and is_image(i.key)]
    base = [i for i in infos if _folder(i) == BASE_IMAGE]
    return ActorStorage(
        actor_id=actor_id,
        actor_name=name,
        files=len(infos),
        bytes=sum(i.size for i in infos),
        training_images=len(training),
        training_bytes=sum(i.size for i in training),
        base_image_bytes=sum(i.size for i in base),
    )


def _folder(info: ObjectInfo) -> str:
    # Keys look like data/actors/<actor>/<folder>/<file>.
    parts = info.key.split("/")
    return parts[3] if len(parts) > 4 else ""
