"""Base images and their captions in resources/input_images/."""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from actormaker.common.errors import InvalidImage, NotFound
from actormaker.common.images import inspect_image
from actormaker.common.storage import ObjectInfo, Storage
from actormaker.common.style_files import (
    BASE_IMAGES,
    IMAGE_EXTENSIONS,
    base_image_key,
    caption_key,
    parse_image_name,
)
from actormaker.gateway.errors import Conflict

_FORMAT_EXTENSIONS = {"jpeg": (".jpg", ".jpeg"), "png": (".png",), "webp": (".webp",)}
_READ_CONCURRENCY = 32


@dataclass(frozen=True)
class BaseImage:
    filename: str
    stem: str
    info: ObjectInfo
    caption: str | None


def direct_children(infos: Iterable[ObjectInfo], prefix: str) -> dict[str, ObjectInfo]:
    """File name → info of the objects right inside `prefix` (not in its sub-folders)."""
    start = len(prefix) + 1
    return {info.key[start:]: info for info in infos if "/" not in info.key[start:]}


async def read_texts(storage: Storage, keys: Iterable[str]) -> dict[str, str]:
    """The text of each key that exists, read concurrently."""
    gate = asyncio.Semaphore(_READ_CONCURRENCY)

    async def read(key: str) -> tuple[str, str | None]:
        async with gate:
            try:
                return key, (await storage.read(key)).decode("utf-8", errors="replace").strip()
            except NotFound:
                return key, None

    pairs = await asyncio.gather(*(read(key) for key in keys))
    return {key: text for key, text in pairs if text is not None}


async def list_base_images(storage: Storage) -> list[BaseImage]:
    """Every base image with its caption (None when it has no caption file), by name."""
    files = direct_children(await storage.list(BASE_IMAGES), BASE_IMAGES)
    images = {name: info for name, info in files.items() if name.lower().endswith(IMAGE_EXTENSIONS)}
    stems = {name: name.rpartition(".")[0] for name in images}
    wanted = [caption_key(stem) for stem in stems.values() if f"{stem}.txt" in files]
    captions = await read_texts(storage, wanted)
    return [
        BaseImage(name, stems[name], info, captions.get(caption_key(stems[name])) or None)
        for name, info in sorted(images.items())
    ]


async def find_base_image(storage: Storage, filename: str) -> ObjectInfo:
    """The base image's info; InvalidName for a bad name, NotFound if it is not there."""
    parse_image_name(filename)
    info = await storage.stat(base_image_key(filename))
    if info is None:
        raise NotFound("base image", filename)
    return info


async def upload_base_image(
    storage: Storage, *, filename: str, data: bytes, caption: str | None, replace: bool
) -> BaseImage:
    """Store a checked image (and its caption); Conflict if the name is taken unless `replace`."""
    stem, extension = parse_image_name(filename)
    image = await asyncio.to_thread(inspect_image, data)  # a full decode: off the event loop
    if extension.lower() not in _FORMAT_EXTENSIONS[image.format]:
        raise InvalidImage(
            f"{filename} holds {image.format.upper()} data; name it {stem}{image.extension}"
        )
    same_stem = [item for item in await list_base_images(storage) if item.stem == stem]
    if same_stem and not replace:
        raise Conflict(
            f"base image {same_stem[0].filename} exists; send replace=true to replace it"
        )
    for item in same_stem:
        if item.filename != filename:
            await storage.delete(base_image_key(item.filename))
    info = await storage.write(base_image_key(filename), data, content_type=image.mime)
    if caption is not None:
        await write_caption(storage, filename, caption)
    return BaseImage(filename, stem, info, caption.strip() if caption is not None else None)


async def read_caption(storage: Storage, filename: str) -> str | None:
    """The base image's caption, or None if it has none."""
    await find_base_image(storage, filename)
    stem, _ = parse_image_name(filename)
    return (await read_texts(storage, [caption_key(stem)])).get(caption_key(stem)) or None


async def write_caption(storage: Storage, filename: str, caption: str) -> str:
    """Replace the base image's caption; an empty caption removes the file."""
    await find_base_image(storage, filename)
    stem, _ = parse_image_name(filename)
    text = caption.strip()
    if text:
        await storage.write(
            caption_key(stem), text.encode(), content_type="text/plain; charset=utf-8"
        )
    else:
        await storage.delete(caption_key(stem))
    return text


async def delete_base_image(storage: Storage, filename: str) -> None:
    """Delete the base image and its caption; training images made from it stay."""
    await find_base_image(storage, filename)
    stem, _ = parse_image_name(filename)
    await storage.delete(base_image_key(filename))
    await storage.delete(caption_key(stem))
