"""The actor catalog: import actorsData.json, list, and load actors."""

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.errors import InvalidInput, NotFound
from actormaker.common.schemas import utcnow
from actormaker.gateway.actors.models import Actor
from actormaker.gateway.actors.schemas import ActorImport, ActorPublic, ActorRecord
from actormaker.gateway.errors import Conflict


async def import_actors(session: AsyncSession, records: Sequence[ActorRecord]) -> ActorImport:
    """Create or update actors by id; the whole import is refused if any entry is refused."""
    _refuse_duplicates("id", [record.id for record in records])
    _refuse_duplicates("name", [record.name for record in records])
    ids = [record.id for record in records]
    names = [record.name for record in records]
    existing = {a.id: a for a in (await session.exec(select(Actor).where(col(Actor.id).in_(ids))))}
    for other in await session.exec(select(Actor).where(col(Actor.name).in_(names))):
        claimant = next(record for record in records if record.name == other.name)
        if claimant.id != other.id:
            raise Conflict(f"actor name {other.name!r} already belongs to actor {other.id}")
    for record in records:
        actor = existing.get(record.id) or Actor(id=record.id, name=record.name)
        _apply(actor, record)
        session.add(actor)
    await session.commit()
    created = len(records) - len(existing)
    return ActorImport(total=len(records), created=created, updated=len(existing))


def _refuse_duplicates(field: str, values: list[object]) -> None:
    repeated = [value for value, count in Counter(values).items() if count > 1]
    if repeated:
        raise InvalidInput(f"actorsData lists the same {field} more than once: {repeated}")


def _apply(actor: Actor, record: ActorRecord) -> None:
    actor.name = record.name
    actor.age = None if record.age is None else str(record.age)
    actor.sex = record.sex
    actor.ethnicity = record.ethnicity
    actor.good = record.good
    actor.record = record.model_dump(mode="json")
    actor.updated_at = utcnow()


async def list_actors(
    session: AsyncSession, *, limit: int, offset: int, name: str | None
) -> tuple[list[Actor], int]:
    """A page of actors by id, optionally only names containing `name`, and the total count."""
    query = select(Actor)
    if name:
        query = query.where(col(Actor.name).contains(name))
    count = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    page = await session.exec(query.order_by(col(Actor.id)).offset(offset).limit(limit))
    return list(page), count


async def load_actor(session: AsyncSession, actor_id: int) -> Actor:
    """The actor with this id, or NotFound."""
    actor = await session.get(Actor, actor_id)
    if actor is None:
        raise NotFound("actor", str(actor_id))
    return actor


async def load_actors(session: AsyncSession, actor_ids: Sequence[int]) -> list[Actor]:
    """The actors with these ids, in this order; NotFound names the first missing one."""
    _refuse_duplicates("actor_id", list(actor_ids))
    found = {a.id: a for a in await session.exec(select(Actor).where(col(Actor.id).in_(actor_ids)))}
    for actor_id in actor_ids:
        if actor_id not in found:
            raise NotFound("actor", str(actor_id))
    return [found[actor_id] for actor_id in actor_ids]


async def actor_ids_by_name(session: AsyncSession) -> dict[str, int]:
    """Every catalog actor's id, by name."""
    rows = await session.exec(select(Actor.name, Actor.id))
    return dict(rows.all())


def actor_public(actor: Actor) -> ActorPublic:
    return ActorPublic(
        id=actor.id,
        name=actor.name,
        age=actor.age,
        sex=actor.sex,
        ethnicity=actor.ethnicity,
        good=actor.good,
        record=actor.record,
    )
