"""Saving a result: the training image (earlier version to history first) or a candidate."""

import contextlib

from actormaker.common.schemas import utcnow
from actormaker.common.schemas.img2img import GenerateTrainingImage, TrainingImageRecord
from actormaker.common.storage import Storage
from actormaker.common.style_files import (
    StyleFolder,
    TrainingFiles,
    history_stamp,
    parse_image_name,
    training_caption,
)


def target_files(command: GenerateTrainingImage) -> TrainingFiles:
    """Where this command's result goes."""
    folder = StyleFolder(command.style.folder)
    if command.candidate_id is not None:
        return folder.candidate(command.candidate_id)
    stem, _ = parse_image_name(command.image)
    return folder.training(stem)


async def save_result(
    storage: Storage, command: GenerateTrainingImage, *, jpeg: bytes, record: TrainingImageRecord
) -> TrainingFiles:
    """Write image, record and caption; a training image being replaced is archived first.

    Each write is atomic, and a write that fails (a full disk) undoes the others, so a training
    image is never left without its caption. A crash between writes leaves at worst a new image
    with its previous record, which a redelivery then replaces.
    """
    target = target_files(command)
    archived = None
    if command.candidate_id is None:
        stem, _ = parse_image_name(command.image)
        history = StyleFolder(command.style.folder).history(stem, history_stamp(utcnow()))
        archived = history if await target.copy_to(storage, history) else None
    caption = training_caption(record.caption, command.style.trigger)
    try:
        await storage.write(target.image, jpeg, content_type="image/jpeg")
        await storage.write(
            target.record,
            record.model_dump_json(indent=2).encode(),
            content_type="application/json",
        )
        await storage.write(
            target.caption, caption.encode(), content_type="text/plain; charset=utf-8"
        )
    except OSError:
        await _restore(storage, target, archived)
        raise
    return target


async def _restore(storage: Storage, target: TrainingFiles, archived: TrainingFiles | None) -> None:
    """Put back what was there before a save that failed half-way (as far as the disk lets)."""
    with contextlib.suppress(OSError):
        await target.delete(storage)  # frees the room the copy back needs
        if archived is not None:
            await archived.copy_to(storage, target)
            await archived.delete(storage)
