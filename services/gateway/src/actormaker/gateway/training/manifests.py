"""Content-addressed dataset versions: a selection set frozen into an immutable manifest.

Freezing reads every image and caption once, keeps their bytes in workspace storage under
their sha256 (`datasets/blobs/<sha256>`, written once), and names each file as the trainer
will see it: `img_0001.jpg` + `img_0001.txt` in the set's order, lower-case extensions (kohya
skips mixed-case ones), every caption ending with the trigger exactly once. The manifest's
id is the hash of what the trainer gets (names, image and caption hashes), so the same
content gives the same id and is stored once; where each image came from is kept beside it.
"""

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.schemas.training import DatasetFile
from actormaker.common.storage import Storage
from actormaker.common.style_files import training_caption
from actormaker.gateway.selections.catalog import TrainingImage
from actormaker.gateway.selections.owners import Owner
from actormaker.gateway.training.models import DatasetVersion

MANIFEST_SCHEMA = "actormaker.dataset/1"
BLOBS = "datasets/blobs"
_READS_AT_ONCE = 8


ReadImage = Callable[[TrainingImage], Awaitable[tuple[bytes, str | None]]]
"""An image's bytes and its caption text (None without one)."""


def blob_key(sha256: str) -> str:
    return f"{BLOBS}/{sha256}"


async def freeze(
    session: AsyncSession,
    storage: Storage,
    owner: Owner,
    images: Sequence[TrainingImage],
    read: ReadImage,
) -> DatasetVersion:
    """The dataset version of `images` in this order, stored unless it already is."""
    limit = asyncio.Semaphore(_READS_AT_ONCE)

    async def entry(position: int, image: TrainingImage) -> dict[str, Any]:
        async with limit:
            data, caption = await read(image)
            return await _entry(storage, owner, position, image, data, caption)

    entries = await asyncio.gather(*(entry(n, image) for n, image in enumerate(images, 1)))
    manifest = {
        "schema": MANIFEST_SCHEMA,
        "owner": {"kind": owner.kind, "id": owner.id},
        "trigger": owner.trigger,
        "images": entries,
    }
    version_id = manifest_id(entries)
    existing = await session.get(DatasetVersion, version_id)
    if existing is not None:
        return existing
    version = DatasetVersion(
        id=version_id,
        owner_kind=owner.kind,
        owner_id=owner.id,
        image_count=len(entries),
        total_bytes=sum(e["image"]["size"] + e["caption"]["size"] for e in entries),
        manifest=manifest,
    )
    session.add(version)
    return version


def manifest_id(entries: Sequence[dict[str, Any]]) -> str:
    """The hash of what a trainer receives: each file's name and the hashes of its bytes."""
    content = [
        [e["file"], e["image"]["sha256"], e["caption_file"], e["caption"]["sha256"]]
        for e in entries
    ]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def dataset_files(version: DatasetVersion) -> list[DatasetFile]:
    """The files a training run of this version uploads, images and captions alike."""
    files = []
    for entry in version.manifest["images"]:
        for name, part in (
            (entry["file"], entry["image"]),
            (entry["caption_file"], entry["caption"]),
        ):
            files.append(
                DatasetFile(
                    name=name,
                    sha256=part["sha256"],
                    size=part["size"],
                    blob_key=blob_key(part["sha256"]),
                )
            )
    return files


def diff(older: DatasetVersion, newer: DatasetVersion) -> dict[str, Any]:
    """What changed from `older` to `newer`: images added or removed, and those recaptioned."""
    before = {e["image"]["sha256"]: e for e in older.manifest["images"]}
    after = {e["image"]["sha256"]: e for e in newer.manifest["images"]}
    recaptioned = [
        {
            "image": after[sha]["source_name"],
            "sha256": sha,
            "before": before[sha]["caption"]["text"],
            "after": after[sha]["caption"]["text"],
        }
        for sha in before.keys() & after.keys()
        if before[sha]["caption"]["sha256"] != after[sha]["caption"]["sha256"]
    ]
    return {
        "from": older.id,
        "to": newer.id,
        "added": [_summary(after[sha]) for sha in after.keys() - before.keys()],
        "removed": [_summary(before[sha]) for sha in before.keys() - after.keys()],
        "recaptioned": sorted(recaptioned, key=lambda change: change["image"]),
        "unchanged": len(before.keys() & after.keys()) - len(recaptioned),
    }


def _summary(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "image": entry["source_name"],
        "sha256": entry["image"]["sha256"],
        "source": entry["source"],
    }


async def _entry(
    storage: Storage,
    owner: Owner,
    position: int,
    image: TrainingImage,
    data: bytes,
    caption: str | None,
) -> dict[str, Any]:
    text = training_caption(caption or "", owner.trigger)
    caption_bytes = text.encode()
    image_part = await _stored(storage, data)
    caption_part = await _stored(storage, caption_bytes)
    extension = image.name.rsplit(".", 1)[-1].lower()
    stem = f"img_{position:04d}"
    return {
        "file": f"{stem}.{extension}",
        "caption_file": f"{stem}.txt",
        "source_name": image.name,
        "image": image_part,
        "caption": caption_part | {"text": text},
        "source": image.source,
        "provenance": image.provenance,
    }


async def _stored(storage: Storage, data: bytes) -> dict[str, Any]:
    sha256 = hashlib.sha256(data).hexdigest()
    key = blob_key(sha256)
    if not await storage.exists(key):
        await storage.write(key, data)
    return {"sha256": sha256, "size": len(data)}
