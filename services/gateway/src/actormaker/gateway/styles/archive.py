"""A style's dataset as a ZIP: each training image with its caption, in the style's folder."""

import asyncio
import io
import zipfile

from actormaker.common.storage import Storage
from actormaker.common.style_files import StyleFolder, training_caption
from actormaker.gateway.styles.base_images import read_texts
from actormaker.gateway.styles.datasets import Dataset, TrainingImage

_READ_CONCURRENCY = 16


async def dataset_zip(storage: Storage, dataset: Dataset) -> bytes:
    """{folder}/{name}_training.jpg and {name}_training.txt for every training image.

    A caption file written with the image is used as it is; an image without one (made by the
    seed system) gets one from its base caption, in the same convention.
    """
    folder = StyleFolder(dataset.style.folder)
    images = list(dataset.training.values())
    captions = await read_texts(storage, [folder.training(image.stem).caption for image in images])
    gate = asyncio.Semaphore(_READ_CONCURRENCY)

    async def entry(image: TrainingImage) -> tuple[str, bytes, str]:
        async with gate:
            data = await storage.read(image.info.key)
        caption = captions.get(folder.training(image.stem).caption) or _caption_for(dataset, image)
        return image.filename, data, caption

    entries = await asyncio.gather(*(entry(image) for image in images))
    return await asyncio.to_thread(_pack, dataset.style.folder, entries)


def _caption_for(dataset: Dataset, image: TrainingImage) -> str:
    base = dataset.base_for(image.stem)
    scene = image.record.caption if image.record else (base.caption if base else None)
    return training_caption(scene or "", dataset.style.trigger_words)


def _pack(folder: str, entries: list[tuple[str, bytes, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for filename, data, caption in entries:
            # JPEG is already compressed; deflating it only costs time.
            archive.writestr(f"{folder}/{filename}", data, compress_type=zipfile.ZIP_STORED)
            caption_name = f"{folder}/{filename.removesuffix('.jpg')}.txt"
            archive.writestr(caption_name, caption, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
