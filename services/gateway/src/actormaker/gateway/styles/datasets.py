"""A style's dataset as stored: base images, the training images made from them, staleness."""

from dataclasses import dataclass
from functools import cached_property

from pydantic import ValidationError

from actormaker.common.errors import InvalidName, NotFound
from actormaker.common.schemas import utcnow
from actormaker.common.schemas.img2img import TrainingImageRecord
from actormaker.common.storage import ObjectInfo, Storage, validate_name
from actormaker.common.style_files import DEFAULT_CAPTION, StyleFolder, history_stamp
from actormaker.gateway.styles.base_images import (
    BaseImage,
    direct_children,
    list_base_images,
    read_texts,
)
from actormaker.gateway.styles.library import style_fingerprint
from actormaker.gateway.styles.models import Style

TRAINING_SUFFIX = "_training.jpg"


@dataclass(frozen=True)
class TrainingImage:
    filename: str
    stem: str  # of the base image it was made from
    info: ObjectInfo
    record: TrainingImageRecord | None  # None: made elsewhere (e.g. by the seed system)


@dataclass(frozen=True)
class Dataset:
    style: Style
    fingerprint: str
    base_images: list[BaseImage]
    training: dict[str, TrainingImage]  # by base image stem

    @cached_property
    def _bases(self) -> dict[str, BaseImage]:
        return {image.stem: image for image in self.base_images}

    def base_for(self, stem: str) -> BaseImage | None:
        return self._bases.get(stem)

    def stale_reasons(self, image: TrainingImage) -> list[str] | None:
        """Why the image no longer matches what the style would make now; None if unknown."""
        if image.record is None:
            return None
        reasons = ["settings"] if image.record.fingerprint != self.fingerprint else []
        base = self.base_for(image.stem)
        caption_now = (base.caption or DEFAULT_CAPTION) if base is not None else None
        if image.record.caption_source != "request" and caption_now not in (
            None,
            image.record.caption,
        ):
            reasons.append("caption")
        return reasons

    def is_stale(self, image: TrainingImage) -> bool:
        return bool(self.stale_reasons(image))


def training_stem(filename: str) -> str:
    """The base image stem of a training image file name, else InvalidName."""
    validate_name(filename)
    if not filename.endswith(TRAINING_SUFFIX) or filename == TRAINING_SUFFIX:
        raise InvalidName(filename, f"is not a training image name ({{name}}{TRAINING_SUFFIX})")
    return filename.removesuffix(TRAINING_SUFFIX)


async def list_training_images(storage: Storage, style: Style) -> dict[str, TrainingImage]:
    """The style's current training images with their records, by base image stem."""
    folder = StyleFolder(style.folder)
    files = direct_children(await storage.list(folder.prefix), folder.prefix)
    images = {name: info for name, info in files.items() if name.endswith(TRAINING_SUFFIX)}
    stems = {name: name.removesuffix(TRAINING_SUFFIX) for name in images}
    record_keys = [folder.training(stem).record for stem in stems.values()]
    records = await read_texts(storage, record_keys)
    return {
        stems[name]: TrainingImage(
            name, stems[name], info, parse_record(records.get(folder.training(stems[name]).record))
        )
        for name, info in sorted(images.items())
    }


def parse_record(text: str | None) -> TrainingImageRecord | None:
    """A record file's content; None for none or one this version cannot read."""
    if text is None:
        return None
    try:
        return TrainingImageRecord.model_validate_json(text)
    except ValidationError:
        return None


async def load_dataset(storage: Storage, style: Style) -> Dataset:
    """Base images, training images and the style's current fingerprint, read together."""
    return Dataset(
        style=style,
        fingerprint=style_fingerprint(style),
        base_images=await list_base_images(storage),
        training=await list_training_images(storage, style),
    )


async def delete_training_image(storage: Storage, style: Style, filename: str) -> None:
    """Remove a training image (it goes to history, so it can be restored); the base stays."""
    folder = StyleFolder(style.folder)
    stem = training_stem(filename)
    current = folder.training(stem)
    if not await current.copy_to(storage, folder.history(stem, history_stamp(utcnow()))):
        raise NotFound("training image", filename)
    await current.delete(storage)
