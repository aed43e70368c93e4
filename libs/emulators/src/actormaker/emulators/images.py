"""Images in and out of the emulators: data URIs and http(s) URLs read, PNG/JPEG written."""

import base64
import binascii
import io
from typing import Literal

import httpx
from PIL import Image, ImageOps, UnidentifiedImageError

ImageFormat = Literal["PNG", "JPEG"]

_JPEG_QUALITY = 90


class ImageUnavailable(OSError):
    """An image that could not be fetched or decoded; the message says why."""


async def read_image_reference(reference: str, http: httpx.AsyncClient) -> bytes:
    """The bytes behind a data URI or an http(s) URL, as a provider fetches its inputs."""
    if reference.startswith("data:"):
        header, _, encoded = reference.partition(",")
        if not header.endswith(";base64"):
            raise ImageUnavailable("a data URI image must be base64-encoded")
        try:
            return base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise ImageUnavailable(f"the data URI is not valid base64: {exc}") from exc
    if not reference.startswith(("http://", "https://")):
        raise ImageUnavailable(f"not a URL or data URI: {reference[:40]!r}")
    try:
        response = await http.get(reference, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise ImageUnavailable(f"cannot download {reference}: {exc!r}") from exc
    if response.status_code != httpx.codes.OK:
        raise ImageUnavailable(f"cannot download {reference}: HTTP {response.status_code}")
    return response.content


def decode_image(data: bytes) -> Image.Image:
    """The picture as upright RGB."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            return ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageUnavailable(f"not an image Pillow can read: {exc}") from exc


def encode_image(image: Image.Image, fmt: ImageFormat = "PNG") -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, format="JPEG", quality=_JPEG_QUALITY)
    else:
        image.save(buffer, format="PNG")
    return buffer.getvalue()
