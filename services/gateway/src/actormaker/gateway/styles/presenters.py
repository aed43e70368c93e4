"""Styles, training images, candidates and versions in their public shapes."""

from actormaker.common.errors import NotFound
from actormaker.common.schemas.img2img import TrainingImageRecord
from actormaker.common.storage import Storage
from actormaker.common.style_files import parse_image_name
from actormaker.gateway.file_links import FileLinks
from actormaker.gateway.styles.base_images import BaseImage
from actormaker.gateway.styles.candidates import Candidate
from actormaker.gateway.styles.dataset_schemas import (
    Accepted,
    BaseImageEntry,
    CandidatePublic,
    CandidatesPublic,
    MadeWith,
    TrainingImagePublic,
    TrainingImagesV1,
    TrainingImagesV2,
    TrainingImagesVersion,
    VersionPublic,
    VersionsPublic,
)
from actormaker.gateway.styles.datasets import Dataset, TrainingImage, load_dataset
from actormaker.gateway.styles.history import Version
from actormaker.gateway.styles.image_schemas import BaseImagePublic
from actormaker.gateway.styles.library import style_fingerprint, style_settings
from actormaker.gateway.styles.models import Style
from actormaker.gateway.styles.schemas import StylePublic


def style_public(style: Style) -> StylePublic:
    return StylePublic(
        id=style.id,
        name=style.name,
        folder=style.folder,
        lora_name=style.lora_name,
        lora_strength_model=style.lora_strength_model,
        lora_strength_clip=style.lora_strength_clip,
        trigger_words=style.trigger_words,
        frontpad=style.frontpad,
        backpad=style.backpad,
        settings=style_settings(style),
        fingerprint=style_fingerprint(style),
        created_at=style.created_at,
        updated_at=style.updated_at,
    )


def made_with(record: TrainingImageRecord) -> MadeWith:
    return MadeWith(
        prompt=record.prompt,
        caption=record.caption,
        settings=record.settings,
        fingerprint=record.fingerprint,
        runpod_job_id=record.runpod_job_id,
        created_at=record.created_at,
    )


def training_image_public(
    dataset: Dataset, image: TrainingImage, links: FileLinks
) -> TrainingImagePublic:
    reasons = dataset.stale_reasons(image)
    base = dataset.base_for(image.stem)
    return TrainingImagePublic(
        filename=image.filename,
        url=links.url(image.info),
        thumbnail_url=links.thumbnail(image.info),
        base_image=base.filename if base else None,
        size=image.info.size,
        modified=image.info.modified,
        stale=None if reasons is None else bool(reasons),
        stale_reasons=reasons or [],
        made_with=made_with(image.record) if image.record else None,
    )


def base_image_entry(dataset: Dataset, base: BaseImage, links: FileLinks) -> BaseImageEntry:
    training = dataset.training.get(base.stem)
    return BaseImageEntry(
        filename=base.filename,
        url=links.url(base.info),
        thumbnail_url=links.thumbnail(base.info),
        caption=base.caption,
        has_caption=base.caption is not None,
        training_image=training_image_public(dataset, training, links) if training else None,
    )


def training_images(
    dataset: Dataset, version: TrainingImagesVersion, links: FileLinks
) -> TrainingImagesV1 | TrainingImagesV2:
    """v1: the style's training images; v2: base images with caption status and training image."""
    if version == "v1":
        images = [training_image_public(dataset, i, links) for i in dataset.training.values()]
        return TrainingImagesV1(images=images)
    return TrainingImagesV2(
        images=[base_image_entry(dataset, base, links) for base in dataset.base_images]
    )


async def accepted(storage: Storage, style: Style, stem: str, links: FileLinks) -> Accepted:
    """The training image of `stem` as it now stands."""
    dataset = await load_dataset(storage, style)
    image = dataset.training.get(stem)
    if image is None:
        raise NotFound("training image", f"{stem}_training.jpg")
    base = dataset.base_for(stem)
    return Accepted(
        image=base.filename if base else image.filename,
        training_image=training_image_public(dataset, image, links),
    )


def candidates_public(
    dataset: Dataset, candidates: list[Candidate], links: FileLinks
) -> CandidatesPublic:
    entries = []
    for candidate in candidates:
        stem, _ = parse_image_name(candidate.record.image)
        base, training = dataset.base_for(stem), dataset.training.get(stem)
        entries.append(
            CandidatePublic(
                id=candidate.id,
                image=candidate.record.image,
                url=links.url(candidate.info),
                thumbnail_url=links.thumbnail(candidate.info),
                base_image_url=links.url(base.info) if base else None,
                training_image=training_image_public(dataset, training, links)
                if training
                else None,
                made_with=made_with(candidate.record),
            )
        )
    return CandidatesPublic(candidates=entries)


def versions_public(filename: str, versions: list[Version], links: FileLinks) -> VersionsPublic:
    return VersionsPublic(
        filename=filename,
        versions=[
            VersionPublic(
                version=version.version,
                url=links.url(version.info),
                thumbnail_url=links.thumbnail(version.info),
                made_with=made_with(version.record) if version.record else None,
            )
            for version in versions
        ],
    )


def base_image_public(image: BaseImage, links: FileLinks) -> BaseImagePublic:
    return BaseImagePublic(
        filename=image.filename,
        url=links.url(image.info),
        thumbnail_url=links.thumbnail(image.info),
        size=image.info.size,
        modified=image.info.modified,
        caption=image.caption,
    )
