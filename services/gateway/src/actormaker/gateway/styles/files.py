"""Serving workspace images (whole, or as a size-limited thumbnail) and the URLs that name them."""

import asyncio
import mimetypes
from dataclasses import dataclass

from actormaker.common.errors import InvalidName, NotFound
from actormaker.common.images import thumbnail_jpeg
from actormaker.common.storage import ObjectInfo, Storage, validate_key
from actormaker.common.style_files import BASE_IMAGES, IMAGE_EXTENSIONS, STYLE_IMAGES

# Only the style dataset areas are served; any other workspace key is refused as a name.
_SERVED_PREFIXES = (f"{BASE_IMAGES}/", f"{STYLE_IMAGES}/")


@dataclass(frozen=True)
class ServedFile:
    data: bytes
    media_type: str


def check_served_key(key: str) -> str:
    """`key` if it names an image in a dataset area, else InvalidName."""
    validate_key(key)
    if not key.startswith(_SERVED_PREFIXES):
        raise InvalidName(key, f"is outside the served areas {', '.join(_SERVED_PREFIXES)}")
    if not key.lower().endswith(IMAGE_EXTENSIONS):
        raise InvalidName(key, "is not an image")
    return key


async def read_served_file(storage: Storage, key: str, *, max_side: int | None) -> ServedFile:
    """The image, or a JPEG no larger than `max_side` on either side."""
    data = await storage.read(check_served_key(key))
    if max_side is not None:
        return ServedFile(
            await asyncio.to_thread(thumbnail_jpeg, data, max_side=max_side), "image/jpeg"
        )
    media_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    return ServedFile(data, media_type)


async def stat_or_404(storage: Storage, key: str, what: str) -> ObjectInfo:
    """The object's info, or NotFound naming `what`."""
    info = await storage.stat(key)
    if info is None:
        raise NotFound(what, key.rsplit("/", 1)[-1])
    return info
