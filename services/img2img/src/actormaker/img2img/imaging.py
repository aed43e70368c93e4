"""The source image sent to RunPod and the result image taken back, both checked."""

import asyncio
from dataclasses import dataclass

import httpx
from PIL import Image

from actormaker.common.comfy import parse_comfy_output
from actormaker.common.downloads import download
from actormaker.common.errors import InvalidImage, PermanentError
from actormaker.common.images import decode_image, encode_jpeg, inspect_image, to_base64

# RunPod refuses /run bodies over 10 MB; base64 grows data by 4/3 and the workflow needs room.
MAX_SOURCE_BASE64 = 8 * 2**20


@dataclass(frozen=True)
class ResultImage:
    jpeg: bytes
    width: int
    height: int


def source_base64(data: bytes, *, width: int, height: int) -> str:
    """The base image as base64; one too big for a RunPod request is scaled down first.

    The workflow scales the source to width x height anyway, so twice that is plenty.
    """
    inspect_image(data)
    encoded = to_base64(data)
    if len(encoded) <= MAX_SOURCE_BASE64:
        return encoded
    image = decode_image(data)
    image.thumbnail((2 * width, 2 * height), Image.Resampling.LANCZOS)
    encoded = to_base64(encode_jpeg(image))
    if len(encoded) > MAX_SOURCE_BASE64:
        raise InvalidImage("base image is too large to send to RunPod even when scaled down")
    return encoded


async def result_image(output: object, *, http: httpx.AsyncClient) -> ResultImage:
    """The first image of a worker-comfyui output, checked and as JPEG."""
    first = parse_comfy_output(output)[0]
    data = (
        first.data
        if first.data is not None
        else await download(http, first.url or "", what="result image")
    )
    try:
        return await asyncio.to_thread(_as_jpeg, data)
    except InvalidImage as error:
        raise PermanentError(f"RunPod returned an unusable image: {error}") from error


def _as_jpeg(data: bytes) -> ResultImage:
    info = inspect_image(data)
    if info.format == "jpeg":
        return ResultImage(data, info.width, info.height)
    image = decode_image(data)
    return ResultImage(encode_jpeg(image), image.width, image.height)
