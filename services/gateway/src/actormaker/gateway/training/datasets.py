"""Reading dataset versions for the API: one owner's, by id."""

import re

from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.errors import InvalidInput, NotFound
from actormaker.gateway.selections.owners import Owner
from actormaker.gateway.training.models import DatasetVersion

_DATASET_ID = re.compile(r"^[0-9a-f]{64}$")


async def load_dataset(session: AsyncSession, owner: Owner, dataset_id: str) -> DatasetVersion:
    """The owner's dataset version `dataset_id`: 422 for a malformed id, 404 for another's."""
    if not _DATASET_ID.fullmatch(dataset_id):
        raise InvalidInput(f"dataset version id {dataset_id!r} is not a sha256 (64 hex digits)")
    dataset = await session.get(DatasetVersion, dataset_id)
    if dataset is None or (dataset.owner_kind, dataset.owner_id) != (owner.kind, owner.id):
        raise NotFound("dataset version", dataset_id)
    return dataset
