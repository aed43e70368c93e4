"""Edit-flow candidates: made with overridden settings, then accepted as the training image or
discarded. The dataset is untouched until a candidate is accepted."""

import re
from dataclasses import dataclass

from actormaker.common.errors import InvalidName, NotFound
from actormaker.common.schemas.img2img import TrainingImageRecord
from actormaker.common.storage import ObjectInfo, Storage
from actormaker.common.style_files import StyleFolder, parse_image_name
from actormaker.gateway.styles.base_images import direct_children, read_texts
from actormaker.gateway.styles.datasets import parse_record
from actormaker.gateway.styles.history import replace_training_image
from actormaker.gateway.styles.models import Style

_CANDIDATE_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Candidate:
    id: str
    info: ObjectInfo
    record: TrainingImageRecord


def check_candidate_id(candidate_id: str) -> str:
    if not _CANDIDATE_ID.fullmatch(candidate_id):
        raise InvalidName(candidate_id, "is not a candidate id (32 hex digits)")
    return candidate_id


async def list_candidates(storage: Storage, style: Style) -> list[Candidate]:
    """Finished candidates, newest first; one still being written is not listed yet."""
    folder = StyleFolder(style.folder)
    files = direct_children(await storage.list(folder.candidates_prefix), folder.candidates_prefix)
    ids = [name.removesuffix(".jpg") for name in files if _CANDIDATE_ID.fullmatch(name[:-4])]
    records = await read_texts(storage, [folder.candidate(cid).record for cid in ids])
    candidates = [
        Candidate(cid, files[f"{cid}.jpg"], record)
        for cid in ids
        if (record := parse_record(records.get(folder.candidate(cid).record)))
    ]
    return sorted(candidates, key=lambda c: c.record.created_at, reverse=True)


async def load_candidate(storage: Storage, style: Style, candidate_id: str) -> Candidate:
    """One finished candidate, or NotFound."""
    files = StyleFolder(style.folder).candidate(check_candidate_id(candidate_id))
    info = await storage.stat(files.image)
    record = parse_record((await read_texts(storage, [files.record])).get(files.record))
    if info is None or record is None:
        raise NotFound("candidate", candidate_id)
    return Candidate(candidate_id, info, record)


async def accept_candidate(storage: Storage, style: Style, candidate_id: str) -> str:
    """Make the candidate the training image of its base image; returns the base image stem."""
    candidate = await load_candidate(storage, style, candidate_id)
    folder = StyleFolder(style.folder)
    stem, _ = parse_image_name(candidate.record.image)
    source = folder.candidate(candidate_id)
    await replace_training_image(storage, folder, stem, source)
    await source.delete(storage)
    return stem


async def discard_candidate(storage: Storage, style: Style, candidate_id: str) -> None:
    """Delete a candidate."""
    await load_candidate(storage, style, candidate_id)
    await StyleFolder(style.folder).candidate(candidate_id).delete(storage)
