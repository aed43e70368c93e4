from fastapi import APIRouter, Response, status

from actormaker.gateway.deps import (
    FileLinksDep,
    IdempotencyKey,
    StorageDep,
)
from actormaker.gateway.presenters import job_accepted
from actormaker.gateway.schemas import JobAccepted
from actormaker.gateway.styles.archive import dataset_zip
from actormaker.gateway.styles.candidates import (
    accept_candidate,
    discard_candidate,
    list_candidates,
)
from actormaker.gateway.styles.dataset_schemas import (
    Accepted,
    CandidateRequest,
    CandidatesPublic,
    GenerateRequest,
    TrainingImagesV1,
    TrainingImagesV2,
    TrainingImagesVersion,
    VersionsPublic,
)
from actormaker.gateway.styles.datasets import delete_training_image, load_dataset
from actormaker.gateway.styles.deps import StyleDep, SubmitterDep
from actormaker.gateway.styles.generation import start_candidate, start_generation
from actormaker.gateway.styles.history import list_versions, restore_version
from actormaker.gateway.styles.presenters import (
    accepted,
    candidates_public,
    training_images,
    versions_public,
)

router = APIRouter(prefix="/styles/{style_id}", tags=["style datasets"])


@router.get("/training-images")
async def training_images_of(
    style: StyleDep, storage: StorageDep, links: FileLinksDep, version: TrainingImagesVersion = "v1"
) -> TrainingImagesV1 | TrainingImagesV2:
    return training_images(await load_dataset(storage, style), version, links)


@router.post("/generate", status_code=status.HTTP_202_ACCEPTED)
async def generate(
    style: StyleDep,
    body: GenerateRequest,
    submitter: SubmitterDep,
    idempotency_key: IdempotencyKey = None,
) -> JobAccepted:
    return job_accepted(
        await start_generation(submitter, style, body, idempotency_key=idempotency_key)
    )


@router.delete("/training-images/{filename}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(style: StyleDep, filename: str, storage: StorageDep) -> None:
    await delete_training_image(storage, style, filename)


@router.get("/training-images/{filename}/history")
async def history(
    style: StyleDep, filename: str, storage: StorageDep, links: FileLinksDep
) -> VersionsPublic:
    return versions_public(filename, await list_versions(storage, style, filename), links)


@router.post("/training-images/{filename}/history/{version}/restore")
async def restore(
    style: StyleDep, filename: str, version: str, storage: StorageDep, links: FileLinksDep
) -> Accepted:
    stem = await restore_version(storage, style, filename, version)
    return await accepted(storage, style, stem, links)


@router.post("/candidates", status_code=status.HTTP_202_ACCEPTED)
async def make_candidate(
    style: StyleDep,
    body: CandidateRequest,
    submitter: SubmitterDep,
    idempotency_key: IdempotencyKey = None,
) -> JobAccepted:
    return job_accepted(
        await start_candidate(submitter, style, body, idempotency_key=idempotency_key)
    )


@router.get("/candidates")
async def candidates(style: StyleDep, storage: StorageDep, links: FileLinksDep) -> CandidatesPublic:
    dataset = await load_dataset(storage, style)
    return candidates_public(dataset, await list_candidates(storage, style), links)


@router.post("/candidates/{candidate_id}/accept")
async def accept(
    style: StyleDep, candidate_id: str, storage: StorageDep, links: FileLinksDep
) -> Accepted:
    stem = await accept_candidate(storage, style, candidate_id)
    return await accepted(storage, style, stem, links)


@router.delete("/candidates/{candidate_id}", status_code=status.HTTP_204_NO_CONTENT)
async def discard(style: StyleDep, candidate_id: str, storage: StorageDep) -> None:
    await discard_candidate(storage, style, candidate_id)


@router.get("/dataset.zip", response_class=Response)
async def dataset(style: StyleDep, storage: StorageDep) -> Response:
    archive = await dataset_zip(storage, await load_dataset(storage, style))
    disposition = f'attachment; filename="{style.folder}.zip"'
    return Response(
        archive, media_type="application/zip", headers={"Content-Disposition": disposition}
    )
