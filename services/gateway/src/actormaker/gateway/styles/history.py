"""Earlier versions of a training image: listed newest first, and restorable."""

import re
from dataclasses import dataclass

from actormaker.common.errors import InvalidName, NotFound
from actormaker.common.schemas import utcnow
from actormaker.common.schemas.img2img import TrainingImageRecord
from actormaker.common.storage import ObjectInfo, Storage
from actormaker.common.style_files import StyleFolder, TrainingFiles, history_stamp
from actormaker.gateway.styles.base_images import direct_children, read_texts
from actormaker.gateway.styles.datasets import parse_record, training_stem
from actormaker.gateway.styles.models import Style

_VERSION = re.compile(r"\d{8}T\d{12}Z")


@dataclass(frozen=True)
class Version:
    version: str
    info: ObjectInfo
    record: TrainingImageRecord | None


async def replace_training_image(
    storage: Storage, folder: StyleFolder, stem: str, source: TrainingFiles
) -> TrainingFiles:
    """Make `source` the training image of `stem`, archiving the current one first."""
    current = folder.training(stem)
    await current.copy_to(storage, folder.history(stem, history_stamp(utcnow())))
    await source.copy_to(storage, current)
    return current


async def list_versions(storage: Storage, style: Style, filename: str) -> list[Version]:
    """The archived versions of a training image, newest first."""
    stem = training_stem(filename)
    folder = StyleFolder(style.folder)
    files = direct_children(await storage.list(folder.history_prefix), folder.history_prefix)
    pattern = re.compile(rf"{re.escape(stem)}_training\.({_VERSION.pattern})\.jpg")
    found = {m.group(1): info for name, info in files.items() if (m := pattern.fullmatch(name))}
    records = await read_texts(storage, [folder.history(stem, v).record for v in found])
    return [
        Version(v, info, parse_record(records.get(folder.history(stem, v).record)))
        for v, info in sorted(found.items(), reverse=True)
    ]


async def restore_version(storage: Storage, style: Style, filename: str, version: str) -> str:
    """Put an archived version back (the image it replaces is archived in turn); its stem."""
    stem = training_stem(filename)
    if not _VERSION.fullmatch(version):
        raise InvalidName(version, "is not a history version (e.g. 20250101T120000000000Z)")
    folder = StyleFolder(style.folder)
    source = folder.history(stem, version)
    if not await storage.exists(source.image):
        raise NotFound("history version", f"{filename}@{version}")
    await replace_training_image(storage, folder, stem, source)
    await source.delete(storage)
    return stem
