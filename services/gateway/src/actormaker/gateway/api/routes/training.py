"""LoRA training: start a run, follow and manage its version, read its dataset version.

The seed's routes answer with the seed's shapes: `POST /api/training/start`,
`GET/POST /api/{styles|actors}/{id}/training-versions` ({"versions": [...]}).
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from actormaker.common.errors import NotFound
from actormaker.common.schemas.training import TrainingParameters
from actormaker.gateway.actors.catalog import load_actor
from actormaker.gateway.deps import BusDep, IdempotencyKey, SessionDep, StorageDep
from actormaker.gateway.errors import Conflict
from actormaker.gateway.jobs import cancel_job
from actormaker.gateway.selections.deps import CatalogDep, get_actor_owner, get_style_owner
from actormaker.gateway.selections.owners import Owner, actor_owner, style_owner
from actormaker.gateway.styles.library import load_style
from actormaker.gateway.training.datasets import load_dataset
from actormaker.gateway.training.manifests import diff as dataset_diff
from actormaker.gateway.training.schemas import (
    ImportedVersions,
    RecommendedParameters,
    SeedVersion,
    SeedVersions,
    StartTraining,
    TrainingStarted,
    TrainingVersionPublic,
    TrainingVersions,
)
from actormaker.gateway.training.starts import TrainingStarter
from actormaker.gateway.training.versions import (
    choose,
    import_versions,
    items_of,
    load_version,
    owner_versions,
    present,
)

router = APIRouter(tags=["training"])


async def _owner_of(session: SessionDep, body: StartTraining) -> Owner:
    if body.style_id is not None:
        return style_owner(await load_style(session, body.style_id))
    return actor_owner(await load_actor(session, body.actor_id))


@router.get("/training/parameters")
def training_parameters() -> RecommendedParameters:
    """The recommended hyperparameters (what a start uses for any left out) and their bounds."""
    return RecommendedParameters(
        defaults=TrainingParameters().model_dump(mode="json"),
        json_schema=TrainingParameters.model_json_schema(),
    )


@router.post("/training/start", status_code=status.HTTP_202_ACCEPTED)
async def start_training(
    body: StartTraining,
    session: SessionDep,
    bus: BusDep,
    storage: StorageDep,
    catalog: CatalogDep,
    idempotency_key: IdempotencyKey = None,
) -> TrainingStarted:
    """Freeze the selection set into a dataset version and train on it; follow `events_url`."""
    owner = await _owner_of(session, body)
    starter = TrainingStarter(session=session, bus=bus, storage=storage, catalog=catalog)
    version, job = await starter.start(owner, body, idempotency_key=idempotency_key)
    items = await items_of(session, [version])
    return TrainingStarted(
        job_id=job.id,
        status_url=f"/api/jobs/{job.id}",
        events_url=f"/api/jobs/{job.id}/events",
        version=present(version, items.get(version.id)),
    )


@router.get("/training/versions/{version_id}")
async def training_version(version_id: str, session: SessionDep) -> TrainingVersionPublic:
    version = await load_version(session, version_id)
    items = await items_of(session, [version])
    return present(version, items.get(version.id))


@router.post("/training/versions/{version_id}/cancel", status_code=status.HTTP_202_ACCEPTED)
async def cancel_training(
    version_id: str, session: SessionDep, bus: BusDep
) -> TrainingVersionPublic:
    """Cancel the run; the provider's job is cancelled too."""
    version = await load_version(session, version_id)
    if version.job_id is None:
        raise Conflict(f"version {version_id} was imported: there is no run to cancel")
    await cancel_job(session, bus, version.job_id)
    items = await items_of(session, [version])
    return present(version, items.get(version.id))


@router.post("/training/versions/{version_id}/choose")
async def choose_version(version_id: str, session: SessionDep) -> TrainingVersionPublic:
    """Make this completed version the style's or actor's chosen model."""
    version = await load_version(session, version_id)
    items = await items_of(session, [version])
    await choose(session, version, items.get(version.id))
    return present(version, items.get(version.id))


@router.get("/training/versions/{version_id}/lora", response_class=Response)
async def download_lora(version_id: str, session: SessionDep, storage: StorageDep) -> Response:
    """The LoRA file, as we keep it (`<version id>.safetensors`)."""
    version = await load_version(session, version_id)
    items = await items_of(session, [version])
    public = present(version, items.get(version.id))
    if public.status != "completed" or version.lora_key is None:
        raise NotFound(
            f"LoRA of version {version_id} ({public.status})", f"{version_id}.safetensors"
        )
    data = await storage.read(version.lora_key)
    filename = version.lora_key.rsplit("/", 1)[-1]
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def owner_routes(prefix: str, owner_of: Callable[..., Owner]) -> APIRouter:
    """The per-owner routes, the same for `/styles/{style_id}` and `/actors/{actor_id}`."""
    routes = APIRouter(prefix=prefix, tags=["training"])
    OwnerDep = Annotated[Owner, Depends(owner_of)]  # noqa: N806 - a type alias

    @routes.get("/training-versions")
    async def versions(owner: OwnerDep, session: SessionDep) -> TrainingVersions:
        """Every version, newest first: the seed's training_versions.json plus our fields."""
        rows = await owner_versions(session, owner)
        items = await items_of(session, rows)
        return TrainingVersions(versions=[present(row, items.get(row.id)) for row in rows])

    @routes.post("/training-versions")
    async def save_versions(
        owner: OwnerDep, body: SeedVersions | SeedVersion, session: SessionDep
    ) -> ImportedVersions:
        """Save versions as the seed's UI did: one record, or its whole training_versions.json.

        An id already here is updated (name, description, isGood), never doubled.
        """
        records = body.versions if isinstance(body, SeedVersions) else [body]
        return await import_versions(session, owner, records)

    @routes.get("/dataset-versions/{dataset_id}")
    async def dataset_version(owner: OwnerDep, dataset_id: str, session: SessionDep) -> dict:
        """A frozen dataset: every file the trainer got, its sha256, size and provenance."""
        dataset = await load_dataset(session, owner, dataset_id)
        return {"id": dataset.id, "created_at": dataset.created_at, **dataset.manifest}

    @routes.get("/dataset-versions/{dataset_id}/diff/{other_id}")
    async def dataset_versions_diff(
        owner: OwnerDep, dataset_id: str, other_id: str, session: SessionDep
    ) -> dict:
        """What changed from one dataset version to another: added, removed, recaptioned."""
        return dataset_diff(
            await load_dataset(session, owner, dataset_id),
            await load_dataset(session, owner, other_id),
        )

    return routes


style_router = owner_routes("/styles/{style_id}", get_style_owner)
actor_router = owner_routes("/actors/{actor_id}", get_actor_owner)
