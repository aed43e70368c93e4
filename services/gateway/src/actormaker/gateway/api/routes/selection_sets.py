"""Selection sets of a style or an actor: the ordered picks of training images a run trains on.

Numbered per owner as the seed numbered them (1, 2, 3 ...; a deleted set's number is never
given again); `export` and `import` speak the seed's selection_sets.json.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from actormaker.gateway.deps import SessionDep
from actormaker.gateway.selections.catalog import pick
from actormaker.gateway.selections.deps import CatalogDep, get_actor_owner, get_style_owner
from actormaker.gateway.selections.owners import Owner
from actormaker.gateway.selections.schemas import (
    ImportedSets,
    SeedSets,
    SelectionSetBody,
    SelectionSetPublic,
    SelectionSets,
    SelectionSetUpdate,
)
from actormaker.gateway.selections.store import (
    create_set,
    delete_set,
    import_sets,
    list_sets,
    load_set,
    set_public,
    update_set,
)

SetNumber = Annotated[int, Path(ge=1, le=1_000_000, description="the set's number")]


def selection_routes(prefix: str, owner_of: Callable[..., Owner]) -> APIRouter:
    """The same routes for `/styles/{style_id}` and `/actors/{actor_id}`."""
    routes = APIRouter(prefix=f"{prefix}/selection-sets", tags=["selection sets"])
    OwnerDep = Annotated[Owner, Depends(owner_of)]  # noqa: N806 - a type alias

    @routes.get("")
    async def sets(owner: OwnerDep, session: SessionDep) -> SelectionSets:
        return SelectionSets(sets=[set_public(s) for s in await list_sets(session, owner)])

    @routes.post("", status_code=status.HTTP_201_CREATED)
    async def create(
        owner: OwnerDep, body: SelectionSetBody, session: SessionDep, catalog: CatalogDep
    ) -> SelectionSetPublic:
        """A new set of current training images, in the order given."""
        pick(await catalog.of(owner), body.images)
        return set_public(await create_set(session, owner, body.name, body.images))

    @routes.get("/export")
    async def export(owner: OwnerDep, session: SessionDep) -> dict[str, list[dict[str, object]]]:
        """The seed's selection_sets.json: `{"sets": [{"id", "filenames"}]}` (plus `name`)."""
        chosen = await list_sets(session, owner)
        return {"sets": [{"id": s.number, "filenames": s.images, "name": s.name} for s in chosen]}

    @routes.post("/import")
    async def import_file(
        owner: OwnerDep, body: SeedSets, session: SessionDep, catalog: CatalogDep
    ) -> ImportedSets:
        """Add the seed's sets; a set keeps its id unless that number was ever used here."""
        images = await catalog.of(owner)
        for seed in body.sets:
            pick(images, seed.filenames)
        return ImportedSets(numbers=await import_sets(session, owner, body.sets))

    @routes.get("/{set_id}")
    async def one(owner: OwnerDep, set_id: SetNumber, session: SessionDep) -> SelectionSetPublic:
        return set_public(await load_set(session, owner, set_id))

    @routes.put("/{set_id}")
    async def change(
        owner: OwnerDep,
        set_id: SetNumber,
        body: SelectionSetUpdate,
        session: SessionDep,
        catalog: CatalogDep,
    ) -> SelectionSetPublic:
        """Rename the set, or give it other images (a run already started keeps its dataset)."""
        chosen = await load_set(session, owner, set_id)
        if body.images is not None:
            pick(await catalog.of(owner), body.images)
        return set_public(await update_set(session, chosen, body.name, body.images))

    @routes.delete("/{set_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def remove(owner: OwnerDep, set_id: SetNumber, session: SessionDep) -> Response:
        await delete_set(session, await load_set(session, owner, set_id))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return routes


style_router = selection_routes("/styles/{style_id}", get_style_owner)
actor_router = selection_routes("/actors/{actor_id}", get_actor_owner)
