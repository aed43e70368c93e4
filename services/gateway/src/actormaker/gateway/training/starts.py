"""Starting a training run: freeze the set, record the version, queue the run, all or nothing.

The version row is written in the same transaction as the job, so a run exists exactly once
whatever happens next; everything after (upload, provider job, webhook or poll, the LoRA's
copy) moves that run's job item and never writes another row.
"""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.bus import Bus
from actormaker.common.errors import InvalidInput
from actormaker.common.schemas import JobStatus
from actormaker.common.schemas.training import Backend, TrainingConfig, TrainLora
from actormaker.common.storage import Storage
from actormaker.gateway.errors import Conflict
from actormaker.gateway.jobs import JobDraft, submit_job
from actormaker.gateway.models import Job
from actormaker.gateway.selections.catalog import TrainingImages
from actormaker.gateway.selections.owners import Owner
from actormaker.gateway.training.manifests import dataset_files, freeze
from actormaker.gateway.training.models import DatasetVersion, TrainingVersion
from actormaker.gateway.training.schemas import StartTraining

TRAINING_JOB = "training.lora"
MAX_REPLICATE_STEPS = 6000  # ostris/flux-dev-lora-trainer's bound
MIN_IMAGES = 2


@dataclass(frozen=True, kw_only=True)
class TrainingStarter:
    session: AsyncSession
    bus: Bus
    storage: Storage
    catalog: TrainingImages

    async def start(
        self, owner: Owner, body: StartTraining, *, idempotency_key: str | None
    ) -> tuple[TrainingVersion, Job]:
        if not body.force:
            await self._refuse_if_pending(owner, body.selection_set_id)
        images = await self.catalog.selected(owner, body.selection_set_id)
        if len(images) < MIN_IMAGES:
            raise InvalidInput(
                f"selection set {body.selection_set_id} has {len(images)} image(s); "
                f"a training run needs at least {MIN_IMAGES}"
            )
        config = body.parameters.resolved(image_count=len(images), trigger=owner.trigger)
        _check_backend(body.backend, config)
        trained = owner.with_trigger(config.class_tokens)
        dataset = await freeze(self.session, self.storage, trained, images, self.catalog.read)
        number = await self._next_number(owner)
        version = _new_version(owner, body, config, dataset, number)
        draft = JobDraft(kind=TRAINING_JOB)
        command = draft.command(
            TrainLora,
            key=version.id,
            group=f"{owner.kind}:{owner.id}",
            version_id=version.id,
            owner_kind=owner.kind,
            owner_id=owner.id,
            backend=body.backend,
            trigger=config.class_tokens,
            config=config,
            dataset_id=dataset.id,
            files=dataset_files(dataset),
            lora_key=version.lora_key,
        )
        version.job_id = draft.id
        self.session.add(version)
        request = body.model_dump(mode="json") | {"owner": {"kind": owner.kind, "id": owner.id}}
        job = await submit_job(
            self.session,
            self.bus,
            draft,
            [command],
            request=request,
            idempotency_key=idempotency_key,
        )
        return version, job

    async def _refuse_if_pending(self, owner: Owner, set_number: int) -> None:
        query = (
            select(TrainingVersion.id)
            .join(Job, col(Job.id) == col(TrainingVersion.job_id))
            .where(
                TrainingVersion.owner_kind == owner.kind,
                TrainingVersion.owner_id == owner.id,
                TrainingVersion.selection_set_id == set_number,
                col(Job.status).in_([JobStatus.QUEUED, JobStatus.RUNNING]),
            )
        )
        pending = (await self.session.exec(query)).first()
        if pending is not None:
            raise Conflict(
                f"version {pending} of selection set {set_number} is still training; "
                "cancel it, wait for it, or send force: true to start another"
            )

    async def _next_number(self, owner: Owner) -> int:
        query = select(func.max(TrainingVersion.number)).where(
            TrainingVersion.owner_kind == owner.kind, TrainingVersion.owner_id == owner.id
        )
        highest = (await self.session.exec(query)).first()
        return (highest or 0) + 1


def version_id(owner: Owner, number: int) -> str:
    """The canonical version token, used as the id, the model name and the LoRA's file name."""
    return f"{owner.kind}_{owner.id}_v{number}"


def lora_key(owner: Owner, number: int) -> str:
    return f"loras/{owner.kind}s/{owner.id}/{version_id(owner, number)}.safetensors"


def _new_version(
    owner: Owner,
    body: StartTraining,
    config: TrainingConfig,
    dataset: DatasetVersion,
    number: int,
) -> TrainingVersion:
    return TrainingVersion(
        id=version_id(owner, number),
        owner_kind=owner.kind,
        owner_id=owner.id,
        number=number,
        name=body.version_name,
        description=body.description,
        backend=body.backend.value,
        parameters=body.parameters.model_dump(mode="json", exclude_unset=True),
        config=config.model_dump(mode="json"),
        selection_set_id=body.selection_set_id,
        image_count=dataset.image_count,
        dataset_version_id=dataset.id,
        lora_key=lora_key(owner, number),
    )


def _check_backend(backend: Backend, config: TrainingConfig) -> None:
    if backend is Backend.REPLICATE and config.max_train_steps > MAX_REPLICATE_STEPS:
        raise InvalidInput(
            f"max_train_steps {config.max_train_steps} is over the {MAX_REPLICATE_STEPS} "
            "that Replicate's trainer allows; lower it or train on runpod"
        )
