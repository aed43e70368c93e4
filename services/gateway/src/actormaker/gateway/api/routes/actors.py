from typing import Annotated

from fastapi import APIRouter, Query, Response

from actormaker.gateway.actors.catalog import (
    actor_ids_by_name,
    actor_public,
    import_actors,
    list_actors,
)
from actormaker.gateway.actors.deps import ActorDep, AssetsDep, TrainingSyncDep
from actormaker.gateway.actors.local_files import (
    actor_storage,
    remove_local_images,
    storage_usage,
)
from actormaker.gateway.actors.schemas import (
    MAX_ACTOR_ID,
    ActorDetail,
    ActorDownload,
    ActorImport,
    ActorRecord,
    ActorsDownloadRequest,
    ActorsPage,
    ActorStorage,
    ActorsUploadRequest,
    ActorUpload,
    DownloadSummary,
    FileSelection,
    LocalRemoval,
    StorageUsage,
    SyncFromS3Request,
    SyncToS3Request,
    TrainingDataView,
    UploadSummary,
)
from actormaker.gateway.actors.summaries import download_summary, upload_summary
from actormaker.gateway.actors.sync import check_actor_name
from actormaker.gateway.actors.training_data import (
    read_training_files,
    training_record,
    training_view,
)
from actormaker.gateway.answers import ASYNC_ANSWER, answer_when_done
from actormaker.gateway.deps import (
    IdempotencyKey,
    RespondAsync,
    ServicesDep,
    SessionDep,
    StorageDep,
)
from actormaker.gateway.schemas import JobAccepted

router = APIRouter(prefix="/actors", tags=["actors"])

Indices = Annotated[list[int] | None, Query()]
Filenames = Annotated[list[str] | None, Query()]


@router.post("/import")
async def import_catalog(records: list[ActorRecord], session: SessionDep) -> ActorImport:
    return await import_actors(session, records)


@router.get("")
async def actors(
    session: SessionDep,
    name: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ACTOR_ID)] = 0,
) -> ActorsPage:
    page, count = await list_actors(session, limit=limit, offset=offset, name=name)
    return ActorsPage(data=[actor_public(actor) for actor in page], count=count)


@router.get("/storage-usage")
async def usage(session: SessionDep, storage: StorageDep) -> StorageUsage:
    return await storage_usage(storage, await actor_ids_by_name(session))


@router.post("/training-data/sync-from-s3", responses=ASYNC_ANSWER)
async def sync_actors_from_s3(
    body: ActorsDownloadRequest,
    sync: TrainingSyncDep,
    services: ServicesDep,
    response: Response,
    respond_async: RespondAsync,
    idempotency_key: IdempotencyKey = None,
) -> DownloadSummary | JobAccepted:
    job = await sync.download(body.actors, idempotency_key=idempotency_key)
    return await answer_when_done(
        services, job, download_summary, respond_async=respond_async, response=response
    )


@router.post("/training-data/sync-to-s3", responses=ASYNC_ANSWER)
async def sync_actors_to_s3(
    body: ActorsUploadRequest,
    sync: TrainingSyncDep,
    services: ServicesDep,
    response: Response,
    respond_async: RespondAsync,
    idempotency_key: IdempotencyKey = None,
) -> UploadSummary | JobAccepted:
    job = await sync.upload(body.actors, idempotency_key=idempotency_key)
    return await answer_when_done(
        services, job, upload_summary, respond_async=respond_async, response=response
    )


@router.get("/{actor_id}")
async def actor(actor: ActorDep, storage: StorageDep, assets: AssetsDep) -> ActorDetail:
    files = await read_training_files(storage, actor.name)
    return ActorDetail(
        **actor_public(actor).model_dump(), training_data=training_record(files, assets)
    )


@router.get("/{actor_id}/training-data")
async def training_data(
    actor: ActorDep, storage: StorageDep, assets: AssetsDep
) -> TrainingDataView:
    return training_view(actor, await read_training_files(storage, actor.name), assets)


@router.post(
    "/{actor_id}/training-data/sync-from-s3",
    responses=ASYNC_ANSWER,
)
async def sync_from_s3(
    actor: ActorDep,
    sync: TrainingSyncDep,
    services: ServicesDep,
    response: Response,
    respond_async: RespondAsync,
    body: SyncFromS3Request | None = None,
    idempotency_key: IdempotencyKey = None,
) -> DownloadSummary | JobAccepted:
    body = body or SyncFromS3Request()
    check_actor_name(actor, body.actor_name)
    request = ActorDownload(actor_id=actor.id, **body.model_dump(exclude={"actor_name"}))
    job = await sync.download([request], idempotency_key=idempotency_key)
    return await answer_when_done(
        services, job, download_summary, respond_async=respond_async, response=response
    )


@router.post(
    "/{actor_id}/training-data/sync-to-s3",
    responses=ASYNC_ANSWER,
)
async def sync_to_s3(
    actor: ActorDep,
    sync: TrainingSyncDep,
    services: ServicesDep,
    response: Response,
    respond_async: RespondAsync,
    body: SyncToS3Request | None = None,
    idempotency_key: IdempotencyKey = None,
) -> UploadSummary | JobAccepted:
    body = body or SyncToS3Request()
    check_actor_name(actor, body.actor_name)
    request = ActorUpload(actor_id=actor.id, **body.model_dump(exclude={"actor_name"}))
    job = await sync.upload([request], idempotency_key=idempotency_key)
    return await answer_when_done(
        services, job, upload_summary, respond_async=respond_async, response=response
    )


@router.delete("/{actor_id}/training-data/local")
async def remove_local(
    actor: ActorDep,
    storage: StorageDep,
    indices: Indices = None,
    filenames: Filenames = None,
) -> LocalRemoval:
    return await remove_local_images(
        storage, actor, FileSelection(indices=indices, filenames=filenames)
    )


@router.get("/{actor_id}/storage-usage")
async def actor_usage(actor: ActorDep, storage: StorageDep) -> ActorStorage:
    return await actor_storage(storage, actor)
