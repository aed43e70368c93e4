"""A cheap, deterministic, visibly different "img2img" made with Pillow.

The source is fitted to the requested size, then blended (by `denoise`) with a stylised copy:
posterized, edge-enhanced and tinted with a hue derived from the prompt, plus light noise from
the seed. Same inputs, same bytes; a different prompt gives a different colour.
"""

import colorsys
import hashlib
import io
import random
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageChops, ImageFilter, ImageOps

ImageFormat = Literal["PNG", "JPEG"]

_NOISE_STRENGTH = 0.12


@dataclass(frozen=True, kw_only=True)
class RestyleRequest:
    source: bytes
    prompt: str
    width: int | None = None
    height: int | None = None
    denoise: float = 1.0
    seed: int = 0


def restyle(request: RestyleRequest, *, fmt: ImageFormat = "PNG") -> bytes:
    """Render the restyled image and encode it as PNG or JPEG."""
    with Image.open(io.BytesIO(request.source)) as opened:
        source = ImageOps.exif_transpose(opened).convert("RGB")
    size = (request.width or source.width, request.height or source.height)
    fitted = ImageOps.fit(source, size, method=Image.Resampling.LANCZOS)
    styled = _stylise(fitted, prompt=request.prompt, seed=request.seed)
    amount = min(max(request.denoise, 0.0), 1.0)
    result = Image.blend(fitted, styled, amount)
    buffer = io.BytesIO()
    if fmt == "JPEG":
        result.save(buffer, format="JPEG", quality=90)
    else:
        result.save(buffer, format="PNG")
    return buffer.getvalue()


def prompt_tint(prompt: str) -> tuple[int, int, int]:
    """The tint colour of a prompt: its hue comes from a hash, so every prompt has its own."""
    hue = int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:2], "big") / 65536
    red, green, blue = colorsys.hsv_to_rgb(hue, 0.75, 1.0)
    return round(red * 255), round(green * 255), round(blue * 255)


def _stylise(image: Image.Image, *, prompt: str, seed: int) -> Image.Image:
    posterized = ImageOps.posterize(image, 3).filter(ImageFilter.EDGE_ENHANCE_MORE)
    tint = prompt_tint(prompt)
    shadow = tuple(channel // 5 for channel in tint)
    toned = ImageOps.colorize(ImageOps.grayscale(posterized), black=shadow, white=tint)
    noise = Image.frombytes(
        "L", image.size, random.Random(seed).randbytes(image.width * image.height)
    ).convert("RGB")
    return Image.blend(toned, ImageChops.overlay(toned, noise), _NOISE_STRENGTH)
