"""A cheap, deterministic, visibly different "img2img" made with Pillow.

The source is fitted to the requested size, then blended (by `denoise`) with a stylised copy:
posterized, edge-enhanced and tinted with a hue derived from the prompt, plus light noise from
the seed. Same inputs, same bytes; a different prompt gives a different colour.
"""

import colorsys
import hashlib
import random
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageOps

from actormaker.emulators.images import ImageFormat, decode_image, encode_image

__all__ = ["ImageFormat", "RestyleRequest", "prompt_tint", "restyle", "restyle_image"]

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
    source = decode_image(request.source)
    size = (request.width or source.width, request.height or source.height)
    result = restyle_image(
        source, size=size, prompt=request.prompt, denoise=request.denoise, seed=request.seed
    )
    return encode_image(result, fmt)


def restyle_image(
    source: Image.Image,
    *,
    size: tuple[int, int],
    prompt: str,
    denoise: float = 1.0,
    seed: int = 0,
) -> Image.Image:
    """`source` fitted (cropped) to `size`, blended by `denoise` with its stylised copy."""
    fitted = ImageOps.fit(source, size, method=Image.Resampling.LANCZOS)
    styled = _stylise(fitted, prompt=prompt, seed=seed)
    amount = min(max(denoise, 0.0), 1.0)
    return Image.blend(fitted, styled, amount)


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
