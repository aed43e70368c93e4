"""Sync jobs: plan and submit one for one or many actors, and answer with the job or its summary."""

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.assets import AssetBucket
from actormaker.common.errors import InvalidInput
from actormaker.common.schemas import Command, JobStatus
from actormaker.gateway.actors.catalog import load_actors
from actormaker.gateway.actors.models import Actor
from actormaker.gateway.actors.plans import plan_downloads, plan_uploads
from actormaker.gateway.actors.schemas import (
    ActorDownload,
    ActorUpload,
    DownloadSummary,
    UploadSummary,
)
from actormaker.gateway.actors.summaries import download_summary, upload_summary
from actormaker.gateway.actors.training_data import read_training_files
from actormaker.gateway.deps import Services
from actormaker.gateway.jobs import JobDraft, load_items, submit_job, wait_for_job
from actormaker.gateway.models import Job, JobItem
from actormaker.gateway.presenters import job_accepted
from actormaker.gateway.schemas import JobAccepted

DOWNLOAD_KIND = "actors.sync-from-s3"
UPLOAD_KIND = "actors.sync-to-s3"


def check_actor_name(actor: Actor, actor_name: str | None) -> None:
    """The seed's bodies repeat the actor's name; a different one is a mistake, not a rename."""
    if actor_name is not None and actor_name != actor.name:
        raise InvalidInput(f"actor {actor.id} is {actor.name!r}, not {actor_name!r}")


@dataclass(frozen=True)
class TrainingSync:
    services: Services
    session: AsyncSession
    assets: AssetBucket

    async def download(
        self, requests: Sequence[ActorDownload], *, idempotency_key: str | None
    ) -> Job:
        """One job with a download per selected file of every requested actor."""
        draft = JobDraft(kind=DOWNLOAD_KIND)
        actors = await load_actors(self.session, [request.actor_id for request in requests])
        commands: list[Command] = []
        for actor, request in zip(actors, requests, strict=True):
            files = await read_training_files(self.services.storage, actor.name)
            commands += plan_downloads(
                draft, files, self.assets, urls=request.s3_urls, selection=request
            )
        return await self._submit(draft, actors, requests, commands, idempotency_key)

    async def upload(self, requests: Sequence[ActorUpload], *, idempotency_key: str | None) -> Job:
        """One job with an upload per selected local image of every requested actor."""
        draft = JobDraft(kind=UPLOAD_KIND)
        actors = await load_actors(self.session, [request.actor_id for request in requests])
        commands: list[Command] = []
        for actor, request in zip(actors, requests, strict=True):
            files = await read_training_files(self.services.storage, actor.name)
            commands += plan_uploads(draft, files, self.assets, selection=request)
        return await self._submit(draft, actors, requests, commands, idempotency_key)

    async def answer_download(
        self, job: Job, *, wait: bool, response: Response
    ) -> JobAccepted | DownloadSummary:
        """202 with the job; with `wait`, 200 with the seed's summary once the job has finished."""
        finished = await self._finished(job, wait=wait)
        if finished is None:
            return job_accepted(job)
        response.status_code = status.HTTP_200_OK
        return download_summary(*finished)

    async def answer_upload(
        self, job: Job, *, wait: bool, response: Response
    ) -> JobAccepted | UploadSummary:
        """202 with the job; with `wait`, 200 with the seed's summary once the job has finished."""
        finished = await self._finished(job, wait=wait)
        if finished is None:
            return job_accepted(job)
        response.status_code = status.HTTP_200_OK
        return upload_summary(*finished)

    async def _finished(self, job: Job, *, wait: bool) -> tuple[Job, list[JobItem]] | None:
        if not wait:
            return None
        within = self.services.settings.job_wait_timeout_s
        job = await wait_for_job(self.services.bus, self.services.sessions, job.id, within=within)
        if not JobStatus(job.status).is_final:
            return None
        # A fresh session: the request's own still holds the item rows as they were submitted.
        async with self.services.sessions() as session:
            return job, await load_items(session, job.id)

    async def _submit(
        self,
        draft: JobDraft,
        actors: Sequence[Actor],
        requests: Sequence[ActorDownload] | Sequence[ActorUpload],
        commands: Sequence[Command],
        idempotency_key: str | None,
    ) -> Job:
        request = {
            "actors": [
                {"actor_name": actor.name, **request.model_dump(mode="json", exclude_none=True)}
                for actor, request in zip(actors, requests, strict=True)
            ]
        }
        return await submit_job(
            self.session,
            self.services.bus,
            draft,
            commands,
            request=request,
            idempotency_key=idempotency_key,
        )
