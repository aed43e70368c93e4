"""Turning a generate-set request into a job: one command per actor image or per style grid."""

import json
import random
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.actor_files import (
    base_image_dir,
    image_index,
    is_image,
    training_dir,
    training_key,
)
from actormaker.common.assets import AssetBucket
from actormaker.common.bus import Bus
from actormaker.common.errors import InvalidInput, NotFound
from actormaker.common.s3urls import InvalidS3Url
from actormaker.common.schemas.datagen import (
    ActorSex,
    ActorType,
    GenerateActorImage,
    GenerateStyleGrid,
    ImageKind,
    ImageSource,
)
from actormaker.common.storage import Storage, join_key
from actormaker.common.style_files import base_image_key
from actormaker.gateway.actors.models import Actor
from actormaker.gateway.datagen.estimates import grid_quotas
from actormaker.gateway.datagen.schemas import ActorSetRequest, StyleSetRequest
from actormaker.gateway.errors import Conflict
from actormaker.gateway.jobs import JobDraft, submit_job
from actormaker.gateway.models import Job
from actormaker.gateway.settings import GatewaySettings
from actormaker.gateway.styles.models import Style

ACTOR_SET = "actors.generate_set"
STYLE_SET = "styles.generate_from_source"
_SEEDS = 2**31 - 1


@dataclass(frozen=True, kw_only=True)
class SetPlanner:
    """What queuing a set needs, gathered once per request."""

    session: AsyncSession
    bus: Bus
    storage: Storage
    settings: GatewaySettings

    async def actor_set(
        self, actor: Actor, body: ActorSetRequest, *, idempotency_key: str | None
    ) -> Job:
        portrait = await self._portrait(actor, body)
        first = await _next_index(self.storage, actor.name)
        draft = JobDraft(kind=ACTOR_SET)
        record = actor.record or {}
        shared: dict[str, Any] = {
            "actor": actor.name,
            "actor_type": body.actor_type or _actor_type(record),
            "actor_sex": body.actor_sex or _actor_sex(actor.sex),
            "description": record.get("description") or None,
            "outfit": record.get("outfit") or None,
            "mix": body.mix,
            "prompt_seed": random.randrange(_SEEDS),
            "portrait": portrait,
        }
        commands = [
            draft.command(
                GenerateActorImage,
                key=f"{actor.name}_{first + position}.png",
                group=actor.name,
                index=first + position,
                position=position,
                kind=kind,
                seed=random.randrange(_SEEDS),
                **shared,
            )
            for position, kind in enumerate(_kinds(body))
        ]
        request = {"actor_id": actor.id, **body.model_dump(mode="json", exclude_unset=True)}
        job = await submit_job(
            self.session,
            self.bus,
            draft,
            commands,
            request=request,
            idempotency_key=idempotency_key,
        )
        await self._write_request_file(actor, job, commands[0])
        return job

    async def style_set(
        self, style: Style, body: StyleSetRequest, *, idempotency_key: str | None
    ) -> Job:
        source = await self._style_source(body)
        draft = JobDraft(kind=STYLE_SET)
        stem = f"gen-{draft.id.hex[:8]}"
        commands = []
        first_number = 1
        for number, quota in enumerate(grid_quotas(body.target_count), start=1):
            commands.append(
                draft.command(
                    GenerateStyleGrid,
                    key=f"grid-{number}",
                    group=style.id,
                    style_id=style.id,
                    style_folder=style.folder,
                    trigger=style.trigger_words or "",
                    source=source,
                    quota=quota,
                    stem=stem,
                    first_number=first_number,
                    max_grids=self.settings.datagen_max_grids,
                    upscale_batch=self.settings.datagen_upscale_batch,
                    debug=body.debug,
                    seed=random.randrange(_SEEDS),
                )
            )
            first_number += quota
        request = {"style_id": style.id, **body.model_dump(mode="json", exclude_unset=True)}
        return await submit_job(
            self.session,
            self.bus,
            draft,
            commands,
            request=request,
            idempotency_key=idempotency_key,
        )

    async def _portrait(self, actor: Actor, body: ActorSetRequest) -> ImageSource:
        if body.portrait_url is not None:
            return ImageSource(url=self._checked_url(body.portrait_url, "portrait_url"))
        key = join_key(base_image_dir(actor.name), f"{actor.name}_base.png")
        if not await self.storage.exists(key):
            raise Conflict(
                f"actor {actor.id} has no base image in the workspace ({key}): "
                "sync its training data from S3 first, or send portrait_url"
            )
        return ImageSource(key=key)

    async def _style_source(self, body: StyleSetRequest) -> ImageSource:
        if body.source_image_url is not None:
            return ImageSource(url=self._checked_url(body.source_image_url, "source_image_url"))
        assert body.base_image is not None  # the request model allows exactly one of the two
        key = base_image_key(body.base_image)
        if not await self.storage.exists(key):
            raise NotFound("base image", body.base_image)
        return ImageSource(key=key)

    def _checked_url(self, url: str, field: str) -> str:
        """An S3 URL in an allowed bucket, or an https URL on an allowed host; else 422."""
        assets = AssetBucket.from_settings(self.settings)
        try:
            location = assets.locate(url)
        except InvalidS3Url:
            location = None
        if location is not None:
            assets.parse(url)  # refuses a bucket outside the allow-list, naming it
            return url
        host = url.removeprefix("https://").split("/", 1)[0].split(":", 1)[0].lower()
        allowed = [h.lower() for h in self.settings.datagen_source_hosts]
        if not url.startswith("https://") or host not in allowed:
            hosts = ", ".join(allowed) or "none (set DATAGEN_SOURCE_HOSTS)"
            raise InvalidInput(
                f"{field} must be an S3 URL in an allowed bucket or an https URL on an allowed "
                f"host; {host!r} is not one (allowed hosts: {hosts})"
            )
        return url

    async def _write_request_file(
        self, actor: Actor, job: Job, example: GenerateActorImage
    ) -> None:
        """request.json as the seed kept it beside the images: what this run was asked for."""
        request = {
            "input": {
                "type": "actor_training_data",
                "job_id": str(job.id),
                "actor_id": actor.id,
                "actor": actor.name,
                "actor_type": example.actor_type,
                "actor_sex": example.actor_sex,
                "mix": example.mix.model_dump(),
                "portrait": example.portrait.name,
            }
        }
        await self.storage.write(
            training_key(actor.name, "request.json"),
            json.dumps(request, indent=2).encode(),
            content_type="application/json",
        )


def _kinds(body: ActorSetRequest) -> list[ImageKind]:
    mix = body.mix
    return (
        [ImageKind.PHOTOREAL] * mix.photoreal
        + [ImageKind.BW_STYLIZED] * mix.bw_stylized
        + [ImageKind.COLOR_STYLIZED] * mix.color_stylized
    )


def _actor_type(record: dict[str, Any]) -> ActorType:
    try:
        return ActorType(str(record.get("actor_type") or record.get("type") or "human").lower())
    except ValueError:
        return ActorType.HUMAN


def _actor_sex(sex: str | None) -> ActorSex:
    try:
        return ActorSex((sex or "").lower())
    except ValueError:
        return ActorSex.UNKNOWN


async def _next_index(storage: Storage, actor: str) -> int:
    """One past the highest `{actor}_{i}` image already there (0 for none)."""
    indices = [
        index
        for info in await storage.list(training_dir(actor))
        if is_image(info.key)
        and (index := image_index(actor, info.key.rsplit("/", 1)[-1])) is not None
    ]
    return max(indices, default=-1) + 1
