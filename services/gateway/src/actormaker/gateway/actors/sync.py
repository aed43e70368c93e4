"""Sync jobs: plan and submit one for one or many actors."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.assets import AssetBucket
from actormaker.common.errors import InvalidInput
from actormaker.common.schemas import Command
from actormaker.gateway.actors.catalog import load_actors
from actormaker.gateway.actors.models import Actor
from actormaker.gateway.actors.plans import plan_downloads, plan_uploads
from actormaker.gateway.actors.schemas import ActorDownload, ActorUpload
from actormaker.gateway.actors.training_data import read_training_files
from actormaker.gateway.deps import Services
from actormaker.gateway.jobs import JobDraft, submit_job
from actormaker.gateway.models import Job

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
