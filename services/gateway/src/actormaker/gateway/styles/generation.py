"""Turning a generate request into a job: one GenerateTrainingImage command per base image."""

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

from pydantic import JsonValue
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.bus import Bus
from actormaker.common.errors import InvalidInput, NotFound
from actormaker.common.schemas.img2img import GenerateTrainingImage, Img2ImgSettings, StyleSpec
from actormaker.common.storage import Storage
from actormaker.common.style_files import BASE_IMAGES, parse_image_name
from actormaker.gateway.jobs import JobDraft, submit_job
from actormaker.gateway.models import Job
from actormaker.gateway.styles.base_images import direct_children
from actormaker.gateway.styles.dataset_schemas import CandidateRequest, GenerateRequest, Selection
from actormaker.gateway.styles.datasets import Dataset, load_dataset
from actormaker.gateway.styles.library import style_settings, style_spec
from actormaker.gateway.styles.models import Style
from actormaker.gateway.styles.workflows import check_workflow

# The seed draws an unlocked seed from this range.
_RANDOM_SEEDS = 1_000_000


@dataclass(frozen=True)
class ImageRequest:
    filename: str
    prompt: str | None = None  # overrides the caption file for this image


@dataclass(frozen=True, kw_only=True)
class Batch:
    """Everything a job of generate commands is built from, checked before it is queued."""

    kind: str
    style: StyleSpec
    settings: Img2ImgSettings
    images: Sequence[ImageRequest]
    request: dict[str, Any]  # as the client sent it, stored on the job
    workflow: dict[str, JsonValue] | None = None
    candidates: bool = False  # edit flow: write candidates, leave the dataset alone
    # The seed's route reports an unknown image as a failed item and does the rest; ours refuse.
    missing_images_fail: bool = False


def select_images(dataset: Dataset, selection: Selection) -> list[ImageRequest]:
    """Base images without a training image, with a stale one, or all of them."""
    chosen = []
    for base in dataset.base_images:
        training = dataset.training.get(base.stem)
        if (
            selection == "all"
            or (selection == "missing" and training is None)
            or (selection == "stale" and training is not None and dataset.is_stale(training))
        ):
            chosen.append(ImageRequest(base.filename))
    return chosen


@dataclass(frozen=True)
class BatchSubmitter:
    """What queuing a batch needs, gathered once per request."""

    session: AsyncSession
    bus: Bus
    storage: Storage
    workflows_dir: Path

    async def submit(self, batch: Batch, *, idempotency_key: str | None) -> Job:
        """Check every image and the workflow, then record the job and queue its commands."""
        await _check(self.storage, batch, self.workflows_dir)
        draft = JobDraft(kind=batch.kind)
        commands = [
            draft.command(
                GenerateTrainingImage,
                key=image.filename,
                group=batch.style.id,
                style=batch.style,
                settings=_seeded(batch.settings),
                image=image.filename,
                prompt=image.prompt,
                workflow=batch.workflow,
                candidate_id=uuid4().hex if batch.candidates else None,
            )
            for image in batch.images
        ]
        return await submit_job(
            self.session,
            self.bus,
            draft,
            commands,
            request=batch.request,
            idempotency_key=idempotency_key,
        )


async def _check(storage: Storage, batch: Batch, workflows_dir: Path) -> None:
    repeated = [name for name, n in Counter(i.filename for i in batch.images).items() if n > 1]
    if repeated:
        raise InvalidInput(f"images named more than once: {', '.join(sorted(repeated))}")
    if batch.workflow is not None:
        check_workflow(batch.workflow, workflows_dir=workflows_dir)
    for image in batch.images:
        parse_image_name(image.filename)
    stored = direct_children(await storage.list(BASE_IMAGES), BASE_IMAGES)
    missing = [image.filename for image in batch.images if image.filename not in stored]
    if missing and not batch.missing_images_fail:
        raise NotFound("base image", ", ".join(missing))


def _seeded(settings: Img2ImgSettings) -> Img2ImgSettings:
    # An unlocked seed is drawn per image here, so the command and the record carry the real one.
    if settings.seed_locked:
        return settings
    return settings.model_copy(update={"seed": random.randrange(_RANDOM_SEEDS)})


async def start_generation(
    submitter: BatchSubmitter, style: Style, body: GenerateRequest, *, idempotency_key: str | None
) -> Job:
    """Generate (or recreate) training images for the named or selected base images."""
    if body.images is not None:
        images = [ImageRequest(filename) for filename in body.images]
    else:
        assert body.select is not None  # the request model allows exactly one of the two
        images = select_images(await load_dataset(submitter.storage, style), body.select)
    batch = Batch(
        kind="styles.generate",
        style=style_spec(style),
        settings=style_settings(style).with_overrides(body.settings),
        images=images,
        request={"style_id": style.id, **body.model_dump(mode="json", exclude_unset=True)},
    )
    return await submitter.submit(batch, idempotency_key=idempotency_key)


async def start_candidate(
    submitter: BatchSubmitter, style: Style, body: CandidateRequest, *, idempotency_key: str | None
) -> Job:
    """Make one candidate for a base image (edit flow); the dataset is not touched."""
    batch = Batch(
        kind="styles.candidate",
        style=style_spec(style),
        settings=style_settings(style).with_overrides(body.settings),
        images=[ImageRequest(body.image, body.prompt)],
        request={"style_id": style.id, **body.model_dump(mode="json", exclude_unset=True)},
        candidates=True,
    )
    return await submitter.submit(batch, idempotency_key=idempotency_key)
