"""Selection sets of one owner: create, read, change, delete, import; numbers never reused."""

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.errors import NotFound
from actormaker.common.schemas import utcnow
from actormaker.gateway.schemas import as_utc
from actormaker.gateway.selections.models import SelectionNumbers, SelectionSet
from actormaker.gateway.selections.owners import Owner
from actormaker.gateway.selections.schemas import SeedSet, SelectionSetPublic


async def list_sets(session: AsyncSession, owner: Owner) -> list[SelectionSet]:
    query = (
        select(SelectionSet)
        .where(SelectionSet.owner_kind == owner.kind, SelectionSet.owner_id == owner.id)
        .order_by(col(SelectionSet.number))
    )
    return list((await session.exec(query)).all())


async def load_set(session: AsyncSession, owner: Owner, number: int) -> SelectionSet:
    query = select(SelectionSet).where(
        SelectionSet.owner_kind == owner.kind,
        SelectionSet.owner_id == owner.id,
        SelectionSet.number == number,
    )
    found = (await session.exec(query)).first()
    if found is None:
        raise NotFound(f"selection set of {owner.kind} {owner.id}", str(number))
    return found


async def create_set(
    session: AsyncSession, owner: Owner, name: str | None, images: Sequence[str]
) -> SelectionSet:
    number = await _take_number(session, owner)
    created = SelectionSet(
        owner_kind=owner.kind,
        owner_id=owner.id,
        number=number,
        name=name or f"Set {number}",
        images=list(images),
    )
    session.add(created)
    await session.commit()
    return created


async def update_set(
    session: AsyncSession, chosen: SelectionSet, name: str | None, images: Sequence[str] | None
) -> SelectionSet:
    if name is not None:
        chosen.name = name
    if images is not None:
        chosen.images = list(images)
    chosen.updated_at = utcnow()
    session.add(chosen)
    await session.commit()
    return chosen


async def delete_set(session: AsyncSession, chosen: SelectionSet) -> None:
    await session.delete(chosen)
    await session.commit()


async def import_sets(
    session: AsyncSession, owner: Owner, sets: Sequence[SeedSet]
) -> dict[int, int]:
    """Add the file's sets; each keeps its id unless this owner ever used it (then the next)."""
    numbers = await _numbers(session, owner)
    used = {chosen.number for chosen in await list_sets(session, owner)}
    imported: dict[int, int] = {}
    for seed in sorted(sets, key=lambda s: s.id):
        number = (
            seed.id if seed.id > numbers.highest and seed.id not in used else numbers.highest + 1
        )
        numbers.highest = max(numbers.highest, number)
        used.add(number)
        session.add(
            SelectionSet(
                owner_kind=owner.kind,
                owner_id=owner.id,
                number=number,
                name=seed.name or f"Set {number}",
                images=list(seed.filenames),
            )
        )
        imported[seed.id] = number
    session.add(numbers)
    await session.commit()
    return imported


def set_public(chosen: SelectionSet) -> SelectionSetPublic:
    return SelectionSetPublic(
        id=chosen.number,
        name=chosen.name,
        images=chosen.images,
        image_count=len(chosen.images),
        created_at=as_utc(chosen.created_at),
        updated_at=as_utc(chosen.updated_at),
    )


async def _take_number(session: AsyncSession, owner: Owner) -> int:
    numbers = await _numbers(session, owner)
    numbers.highest += 1
    session.add(numbers)
    return numbers.highest


async def _numbers(session: AsyncSession, owner: Owner) -> SelectionNumbers:
    # Locked, so two creates for one owner cannot take the same number (PostgreSQL; SQLite
    # serialises writers anyway, and the unique constraint backs both).
    query = (
        select(SelectionNumbers)
        .where(SelectionNumbers.owner_kind == owner.kind, SelectionNumbers.owner_id == owner.id)
        .with_for_update()
    )
    found = (await session.exec(query)).first()
    return found or SelectionNumbers(owner_kind=owner.kind, owner_id=owner.id)
