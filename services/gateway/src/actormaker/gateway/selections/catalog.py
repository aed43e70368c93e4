"""The training images a style or an actor has now: where each one's bytes are, and its origin.

A selection set names these by file name; freezing a set for training reads them through
`TrainingImages.read`. Styles keep theirs in workspace storage (`{name}_training.jpg` with a
`.json` record and a `.txt` caption); actors in `data/actors/{actor}/training_data/` locally
and in the asset bucket, where an image may exist only (the seed's final, S3-only layout).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.assets import AssetBucket
from actormaker.common.errors import InvalidInput, NotFound
from actormaker.common.s3client import S3ClientFactory
from actormaker.common.s3transfer import read_object
from actormaker.common.storage import Storage
from actormaker.common.style_files import StyleFolder
from actormaker.gateway.actors.models import Actor
from actormaker.gateway.actors.training_data import read_training_files
from actormaker.gateway.models import Job, JobItem
from actormaker.gateway.selections.owners import Owner
from actormaker.gateway.selections.store import load_set
from actormaker.gateway.styles.base_images import read_texts
from actormaker.gateway.styles.datasets import list_training_images
from actormaker.gateway.styles.models import Style

Source = Literal["img2img", "generated", "uploaded"]
ACTOR_SET_JOB = "actors.generate_set"  # datagen's actor set, whose items say what they made


@dataclass(frozen=True)
class TrainingImage:
    """One training image: its file name, where its bytes and caption are, and its origin."""

    name: str
    source: Source
    provenance: dict[str, Any] = field(default_factory=dict)
    storage_key: str | None = None  # in workspace storage, or
    s3_url: str | None = None  # only in the asset bucket
    caption_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class TrainingImages:
    session: AsyncSession
    storage: Storage
    assets: AssetBucket
    s3: S3ClientFactory

    async def of(self, owner: Owner) -> list[TrainingImage]:
        """The owner's current training images, in the order its listing shows them."""
        if owner.style is not None:
            return await self.of_style(owner.style)
        if owner.actor is not None:
            return await self.of_actor(owner.actor)
        raise ValueError(f"{owner.kind} {owner.id} was not loaded")

    async def selected(self, owner: Owner, number: int) -> list[TrainingImage]:
        """The images of the owner's selection set `number`, in the set's order."""
        chosen = await load_set(self.session, owner, number)
        return pick(await self.of(owner), chosen.images)

    async def of_style(self, style: Style) -> list[TrainingImage]:
        folder = StyleFolder(style.folder)
        listed = await list_training_images(self.storage, style)
        records = await read_texts(self.storage, [folder.training(stem).record for stem in listed])
        return [
            _style_image(
                image.filename, folder.training(stem), records.get(folder.training(stem).record)
            )
            for stem, image in listed.items()
        ]

    async def of_actor(self, actor: Actor) -> list[TrainingImage]:
        files = await read_training_files(self.storage, actor.name)
        made = await self._generated(actor.name)
        images = [
            TrainingImage(name, *made.get(info.key, ("uploaded", {})), storage_key=info.key)
            for name, info in files.local_images.items()
        ]
        local = set(files.local_images)
        for url in files.s3_urls:
            name = self.assets.local_name(url)
            if name and name not in local:
                images.append(TrainingImage(name, "uploaded", {"s3_url": url}, s3_url=url))
                local.add(name)
        return images

    async def read(self, image: TrainingImage) -> tuple[bytes, str | None]:
        """The image's bytes and its caption (None without one)."""
        if image.storage_key is not None:
            data = await self.storage.read(image.storage_key)
        else:
            async with self.s3() as s3:
                data = await read_object(s3, self.assets.parse(image.s3_url or ""))
        caption = None
        if image.caption_key is not None:
            try:
                caption = (await self.storage.read(image.caption_key)).decode("utf-8")
            except NotFound:
                caption = None
        return data, caption

    async def _generated(self, actor: str) -> dict[str, tuple[Source, dict[str, Any]]]:
        """The actor's images datagen made, by storage key, with what each was made from."""
        query = (
            select(JobItem)
            .join(Job, col(Job.id) == col(JobItem.job_id))
            .where(Job.kind == ACTOR_SET_JOB, JobItem.group == actor, JobItem.status == "succeeded")
        )
        made: dict[str, tuple[Source, dict[str, Any]]] = {}
        for item in (await self.session.exec(query)).all():
            for image in (item.output or {}).get("images", []):
                provenance = {
                    "job_id": str(item.job_id),
                    "kind": image.get("kind"),
                    "prompt": image.get("description"),
                }
                made[image.get("key", "")] = ("generated", provenance)
        return made


def pick(images: Sequence[TrainingImage], names: Sequence[str]) -> list[TrainingImage]:
    """`names` in their order, each one an image here; every missing name is named."""
    by_name = {image.name: image for image in images}
    missing = [name for name in names if name not in by_name]
    if missing:
        shown = ", ".join(missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise InvalidInput(f"not a current training image of this owner: {shown}")
    return [by_name[name] for name in names]


def _style_image(name: str, files: Any, record_text: str | None) -> TrainingImage:
    record = _json(record_text)
    if "runpod_job_id" in record:
        source: Source = "img2img"
        keep = ("job_id", "runpod_job_id", "prompt", "image", "created_at")
    elif "grid_prediction_id" in record:
        source = "generated"
        keep = ("job_id", "source", "grid_prediction_id", "upscale_prediction_id", "description")
    else:
        source, keep = "uploaded", ()
    provenance = {key: record[key] for key in keep if key in record}
    return TrainingImage(
        name, source, provenance, storage_key=files.image, caption_key=files.caption
    )


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
