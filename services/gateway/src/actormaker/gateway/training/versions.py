"""Training versions: listed in the seed's shape, imported from its file, one chosen per owner.

A run's status and LoRA are read from its job item (see models.TrainingVersion); an imported
version answers what its record said.
"""

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.errors import NotFound
from actormaker.common.schemas import ItemStatus, utcnow
from actormaker.gateway.errors import Conflict
from actormaker.gateway.models import JobItem
from actormaker.gateway.schemas import as_utc
from actormaker.gateway.selections.owners import Owner
from actormaker.gateway.training.models import TrainingVersion
from actormaker.gateway.training.schemas import (
    ImportedVersions,
    SeedVersion,
    TrainingVersionPublic,
    VersionStatus,
)

_STATUS: dict[ItemStatus, VersionStatus] = {
    ItemStatus.QUEUED: "pending",
    ItemStatus.RUNNING: "training",
    ItemStatus.SUCCEEDED: "completed",
    ItemStatus.FAILED: "failed",
    ItemStatus.CANCELLED: "cancelled",
}
_SEED_FIELDS = set(SeedVersion.model_fields)


async def owner_versions(session: AsyncSession, owner: Owner) -> list[TrainingVersion]:
    """Newest first, as the seed's file kept them."""
    return await _versions_of(session, owner.kind, owner.id)


async def _versions_of(session: AsyncSession, kind: str, owner_id: str) -> list[TrainingVersion]:
    query = (
        select(TrainingVersion)
        .where(TrainingVersion.owner_kind == kind, TrainingVersion.owner_id == owner_id)
        .order_by(col(TrainingVersion.created_at).desc(), col(TrainingVersion.number).desc())
    )
    return list((await session.exec(query)).all())


async def load_version(session: AsyncSession, version_id: str) -> TrainingVersion:
    version = await session.get(TrainingVersion, version_id)
    if version is None:
        raise NotFound("training version", version_id)
    return version


async def items_of(
    session: AsyncSession, versions: Sequence[TrainingVersion]
) -> dict[str, JobItem]:
    """Each run's job item, by version id (one query for a whole list)."""
    job_ids = [version.job_id for version in versions if version.job_id is not None]
    if not job_ids:
        return {}
    rows = (await session.exec(select(JobItem).where(col(JobItem.job_id).in_(job_ids)))).all()
    return {item.key: item for item in rows}


def download_path(version_id: str) -> str:
    return f"/api/training/versions/{version_id}/lora"


def present(version: TrainingVersion, item: JobItem | None) -> TrainingVersionPublic:
    record = version.imported or {}
    common: dict[str, Any] = {
        "id": version.id,
        "name": version.name,
        "timestamp": as_utc(version.created_at),
        "parameters": version.parameters,
        "selectionSetId": version.selection_set_id,
        "imageCount": version.image_count,
        "description": version.description,
        "isGood": record.get("isGood"),
        "owner": {"kind": version.owner_kind, "id": version.owner_id},
        "number": version.number,
        "backend": version.backend,
        "config": version.config,
        "dataset_version_id": version.dataset_version_id,
        "job_id": version.job_id,
        "chosen": version.chosen,
    }
    if item is None:
        return TrainingVersionPublic(
            **common,
            status=record.get("status", "pending"),
            loraUrl=record.get("loraUrl"),
            completedAt=record.get("completedAt"),
            failedAt=record.get("failedAt"),
            error=record.get("error"),
            imported=True,
        )
    status = _STATUS[ItemStatus(item.status)]
    download_url = download_path(version.id) if status == "completed" else None
    finished = as_utc(item.updated_at) if ItemStatus(item.status).is_final else None
    return TrainingVersionPublic(
        **common,
        status=status,
        loraUrl=download_url,
        completedAt=finished if status == "completed" else None,
        failedAt=finished if status in ("failed", "cancelled") else None,
        error=item.error,
        progress=item.progress,
        message=item.message,
        events_url=f"/api/jobs/{version.job_id}/events",
        download_url=download_url,
        lora=item.output if status == "completed" else None,
    )


async def import_versions(
    session: AsyncSession, owner: Owner, records: Sequence[SeedVersion]
) -> ImportedVersions:
    """Add the seed's versions; an id already here is updated (name, description, isGood)."""
    created: list[str] = []
    updated: list[str] = []
    highest = max((v.number for v in await owner_versions(session, owner)), default=0)
    for record in records:
        existing = await session.get(TrainingVersion, record.id)
        if existing is not None:
            _refresh(existing, owner, record)
            updated.append(record.id)
            continue
        highest += 1
        session.add(_imported(owner, record, highest))
        created.append(record.id)
    await session.commit()
    return ImportedVersions(created=created, updated=updated)


async def choose(session: AsyncSession, version: TrainingVersion, item: JobItem | None) -> None:
    """Make `version` its owner's chosen model (only a completed one can be)."""
    status = _STATUS[ItemStatus(item.status)] if item else (version.imported or {}).get("status")
    if status != "completed":
        raise Conflict(f"version {version.id} is {status}; only a completed version can be chosen")
    for other in await _versions_of(session, version.owner_kind, version.owner_id):
        other.chosen = other.id == version.id
    await session.commit()


def _refresh(version: TrainingVersion, owner: Owner, record: SeedVersion) -> None:
    if (version.owner_kind, version.owner_id) != (owner.kind, owner.id):
        raise Conflict(f"version {record.id} belongs to {version.owner_kind} {version.owner_id}")
    version.name = record.name
    version.description = record.description
    if version.imported is not None:
        version.imported = _seed_record(record)


def _imported(owner: Owner, record: SeedVersion, number: int) -> TrainingVersion:
    return TrainingVersion(
        id=record.id,
        owner_kind=owner.kind,
        owner_id=owner.id,
        number=number,
        name=record.name,
        description=record.description,
        parameters=record.parameters,
        selection_set_id=record.selectionSetId,
        image_count=record.imageCount,
        imported=_seed_record(record),
        created_at=record.timestamp or utcnow(),
    )


def _seed_record(record: SeedVersion) -> dict[str, Any]:
    """Everything the record said, the fields we do not model included."""
    return record.model_dump(mode="json", exclude=_SEED_FIELDS - {"status", "loraUrl"}) | (
        record.model_extra or {}
    )
