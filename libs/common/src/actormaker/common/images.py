"""Safe image handling: only PNG, JPEG and WEBP, sizes checked before anything is decoded."""

import base64
import re
import struct
import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import Literal

from PIL import Image, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from actormaker.common.errors import InvalidImage

ImageFormat = Literal["png", "jpeg", "webp"]

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_BYTES = 50 * 2**20

_MIME = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
_EXTENSION = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}
# Plugin classes are used directly: only these three parsers ever see untrusted bytes, and
# Image.open's own bomb check (warnings, and errors without the size) never runs.
_PLUGIN: dict[ImageFormat, type[ImageFile.ImageFile]] = {
    "png": PngImagePlugin.PngImageFile,
    "jpeg": JpegImagePlugin.JpegImageFile,
    "webp": WebPImagePlugin.WebPImageFile,
}
_REFUSED_SIGNATURES = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\0", "TIFF"),
    (b"MM\0*", "TIFF"),
)
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    Image.DecompressionBombError,
)
_DATA_URI = re.compile(r"data:image/[A-Za-z0-9.+-]+;base64,", re.ASCII)


@dataclass(frozen=True)
class ImageInfo:
    format: ImageFormat
    width: int
    height: int

    @property
    def mime(self) -> str:
        """The format's MIME type, e.g. "image/png"."""
        return _MIME[self.format]

    @property
    def extension(self) -> str:
        """The file extension for the format: ".png", ".jpg" or ".webp"."""
        return _EXTENSION[self.format]


def inspect_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_bytes: int = DEFAULT_MAX_BYTES
) -> ImageInfo:
    """Check that `data` is a whole, decodable PNG/JPEG/WEBP within the limits; return its info."""
    info, image = _open(data, max_pixels=max_pixels, max_bytes=max_bytes, draft_side=None)
    image.close()
    return info


def decode_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_bytes: int = DEFAULT_MAX_BYTES
) -> Image.Image:
    """Decode a checked image upright (EXIF orientation applied) as RGB, or RGBA if it has alpha."""
    _, image = _open(data, max_pixels=max_pixels, max_bytes=max_bytes, draft_side=None)
    return _upright_rgb(image)


def encode_jpeg(image: Image.Image, *, quality: int = 92) -> bytes:
    """Encode as JPEG; transparency is flattened onto white."""
    buffer = BytesIO()
    _flatten(image).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def encode_png(image: Image.Image) -> bytes:
    """Encode as PNG."""
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def thumbnail_jpeg(data: bytes, *, max_side: int) -> bytes:
    """A JPEG no larger than max_side on either side, aspect kept, never upscaled."""
    _, image = _open(
        data, max_pixels=DEFAULT_MAX_PIXELS, max_bytes=DEFAULT_MAX_BYTES, draft_side=max_side
    )
    image = _upright_rgb(image)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return encode_jpeg(image)


def to_base64(data: bytes) -> str:
    """Plain base64 text of `data` (no data-URI prefix)."""
    return base64.b64encode(data).decode("ascii")


def from_base64(text: str) -> bytes:
    """Decode base64, with or without a `data:image/...;base64,` prefix."""
    payload = text.strip()
    if payload.startswith("data:"):
        prefix = _DATA_URI.match(payload)
        if prefix is None:
            raise InvalidImage("data URI must start with data:image/<type>;base64,")
        payload = payload[prefix.end() :]
    try:
        return base64.b64decode("".join(payload.split()), validate=True)
    except ValueError as exc:
        raise InvalidImage("image data is not valid base64") from exc


def _open(
    data: bytes, *, max_pixels: int, max_bytes: int, draft_side: int | None
) -> tuple[ImageInfo, ImageFile.ImageFile]:
    if not data:
        raise InvalidImage("image is empty")
    if len(data) > max_bytes:
        raise InvalidImage(
            f"image is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:g} MB"
        )
    image_format = _sniff_format(data)
    if image_format == "webp":
        # libwebp allocates the whole canvas while opening, so check its size first.
        _check_pixels(_webp_size(data), max_pixels)
    label = image_format.upper()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = _PLUGIN[image_format](BytesIO(data))
        except _DECODE_ERRORS as exc:
            raise InvalidImage(f"{label} data is corrupt or truncated") from exc
        try:
            _check_pixels(image.size, max_pixels)
            if draft_side is not None and image_format == "jpeg":
                image.draft("RGB", (draft_side, draft_side))
            image.load()
        except _DECODE_ERRORS as exc:
            image.close()
            raise InvalidImage(f"{label} data is corrupt or truncated") from exc
        except InvalidImage:
            image.close()
            raise
    info = ImageInfo(format=image_format, width=image.width, height=image.height)
    return info, image


def _sniff_format(data: bytes) -> ImageFormat:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    for signature, name in _REFUSED_SIGNATURES:
        if data.startswith(signature):
            raise InvalidImage(f"{name} is not accepted; use PNG, JPEG or WEBP")
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"avif"):
        raise InvalidImage("HEIC/AVIF is not accepted; use PNG, JPEG or WEBP")
    raise InvalidImage("data is not a recognised image; use PNG, JPEG or WEBP")


def _webp_size(data: bytes) -> tuple[int, int]:
    # Canvas size from the first chunk's header (RFC 9649, sections 2.5-2.7).
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    raise InvalidImage("WEBP header is corrupt")


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width * height > max_pixels:
        raise InvalidImage(
            f"image is {width}x{height} pixels; the limit is {max_pixels / 1e6:g} megapixels"
        )


def _upright_rgb(image: Image.Image) -> Image.Image:
    try:
        image = ImageOps.exif_transpose(image)
    except _DECODE_ERRORS as exc:
        raise InvalidImage("image metadata (EXIF) is corrupt") from exc
    has_alpha = image.mode in ("RGBA", "LA", "La", "PA", "RGBa") or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    return image if image.mode == mode else image.convert(mode)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
