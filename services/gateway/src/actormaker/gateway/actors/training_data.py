"""What an actor's training data looks like right now: response.json and the local files."""

from dataclasses import dataclass

from actormaker.common.actor_files import (
    TrainingManifest,
    base_image_dir,
    is_image,
    natural_order,
    response_key,
    training_dir,
)
from actormaker.common.assets import AssetBucket
from actormaker.common.errors import NotFound
from actormaker.common.storage import ObjectInfo, Storage
from actormaker.gateway.actors.models import Actor
from actormaker.gateway.actors.schemas import TrainingDataRecord, TrainingDataView


@dataclass(frozen=True)
class TrainingFiles:
    actor: str
    s3_urls: list[str]
    local_images: dict[str, ObjectInfo]
    """Image files in training_data, by file name, in natural order."""
    base_image: str | None

    @property
    def local_path(self) -> str:
        return f"/{training_dir(self.actor)}"

    @property
    def base_image_path(self) -> str | None:
        return f"/{self.base_image}" if self.base_image else None

    def synced(self, assets: AssetBucket) -> bool:
        """Whether every S3 URL has its local file (False when there are no URLs at all)."""
        names = {assets.local_name(url) for url in self.s3_urls}
        return bool(names) and names <= self.local_images.keys()


async def read_training_files(storage: Storage, actor: str) -> TrainingFiles:
    """Read response.json (no file = no URLs) and list the training and base images."""
    try:
        manifest = TrainingManifest.parse(
            await storage.read(response_key(actor)), key=response_key(actor)
        )
    except NotFound:
        manifest = TrainingManifest.empty()
    images = {
        info.key.rsplit("/", 1)[1]: info
        for info in await storage.list(training_dir(actor))
        if info.key.count("/") == training_dir(actor).count("/") + 1 and is_image(info.key)
    }
    ordered = dict(sorted(images.items(), key=lambda item: natural_order(item[0])))
    return TrainingFiles(
        actor=actor,
        s3_urls=manifest.urls,
        local_images=ordered,
        base_image=await _base_image(storage, actor),
    )


async def _base_image(storage: Storage, actor: str) -> str | None:
    images = [info.key for info in await storage.list(base_image_dir(actor)) if is_image(info.key)]
    # The seed names it {actor}_base.png; any other image there is the fallback.
    preferred = [key for key in images if key.rsplit("/", 1)[1].startswith(f"{actor}_base.")]
    return (preferred or images or [None])[0]


def training_view(actor: Actor, files: TrainingFiles, assets: AssetBucket) -> TrainingDataView:
    return TrainingDataView(
        actor_id=actor.id,
        actor_name=actor.name,
        s3_urls=files.s3_urls,
        local_images=list(files.local_images),
        base_image_path=files.base_image_path,
        synced=files.synced(assets),
    )


def training_record(files: TrainingFiles, assets: AssetBucket) -> TrainingDataRecord:
    return TrainingDataRecord(
        s3_urls=files.s3_urls,
        local_path=files.local_path,
        base_image_path=files.base_image_path,
        count=len(files.s3_urls),
        local_count=len(files.local_images),
        synced=files.synced(assets),
    )
