import random
import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image

from actormaker.common.errors import InvalidImage
from actormaker.common.images import (
    ImageInfo,
    decode_image,
    encode_jpeg,
    encode_png,
    from_base64,
    inspect_image,
    thumbnail_jpeg,
    to_base64,
)


def noise_image(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    pixel_bytes = len(Image.new(mode, (1, 1)).tobytes())
    rng = random.Random(f"{size}{mode}")
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * pixel_bytes))


def encoded(image: Image.Image, pillow_format: str, **options: object) -> bytes:
    buffer = BytesIO()
    image.save(buffer, pillow_format, **options)
    return buffer.getvalue()


def with_png_size(png: bytes, width: int, height: int) -> bytes:
    """The same PNG with a different size in its IHDR chunk, CRC fixed up."""
    ihdr = bytearray(png[12:29])  # chunk type + 13 data bytes
    assert ihdr[:4] == b"IHDR"
    ihdr[4:12] = struct.pack(">II", width, height)
    return png[:12] + bytes(ihdr) + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]


def with_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    start = jpeg.index(b"\xff\xc0") + 5  # SOF0: marker, length, precision, then height, width
    return jpeg[:start] + struct.pack(">HH", height, width) + jpeg[start + 4 :]


def with_webp_size(webp: bytes, width: int, height: int) -> bytes:
    chunk = webp[12:16]
    if chunk == b"VP8 ":
        return webp[:26] + struct.pack("<HH", width, height) + webp[30:]
    assert chunk == b"VP8L"
    bits = int.from_bytes(webp[21:25], "little") & ~0x0FFFFFFF
    bits |= (width - 1) | ((height - 1) << 14)
    return webp[:21] + bits.to_bytes(4, "little") + webp[25:]


@pytest.mark.parametrize(
    ("pillow_format", "info", "mime", "extension"),
    [
        ("PNG", ImageInfo("png", 64, 48), "image/png", ".png"),
        ("JPEG", ImageInfo("jpeg", 64, 48), "image/jpeg", ".jpg"),
        ("WEBP", ImageInfo("webp", 64, 48), "image/webp", ".webp"),
    ],
)
def test_accepted_formats_are_described(
    pillow_format: str, info: ImageInfo, mime: str, extension: str
) -> None:
    inspected = inspect_image(encoded(noise_image(), pillow_format))

    assert inspected == info
    assert (inspected.mime, inspected.extension) == (mime, extension)


@pytest.mark.parametrize(
    ("image", "pillow_format", "mode"),
    [
        (noise_image(mode="RGBA"), "PNG", "RGBA"),
        (noise_image(mode="L"), "PNG", "RGB"),
        (noise_image(mode="RGB").convert("P"), "PNG", "RGB"),
        (noise_image(mode="LA"), "PNG", "RGBA"),
        (noise_image(mode="CMYK"), "JPEG", "RGB"),
        (noise_image(mode="RGBA"), "WEBP", "RGBA"),
        (noise_image(mode="I;16"), "PNG", "RGB"),
    ],
)
def test_decode_gives_rgb_or_rgba(image: Image.Image, pillow_format: str, mode: str) -> None:
    decoded = decode_image(encoded(image, pillow_format))

    assert decoded.mode == mode
    assert decoded.size == image.size


def test_decode_turns_a_transparent_colour_into_alpha() -> None:
    png = encoded(Image.new("RGB", (4, 4), "black"), "PNG", transparency=(0, 0, 0))

    decoded = decode_image(png)

    assert decoded.mode == "RGBA"
    assert decoded.getpixel((1, 1)) == (0, 0, 0, 0)


def test_decode_applies_exif_orientation() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    jpeg = encoded(noise_image((40, 20)), "JPEG", exif=exif)

    assert inspect_image(jpeg) == ImageInfo("jpeg", 40, 20)
    assert decode_image(jpeg).size == (20, 40)


def test_gif_is_refused_by_name() -> None:
    with pytest.raises(InvalidImage, match=r"^GIF is not accepted; use PNG, JPEG or WEBP$"):
        inspect_image(encoded(noise_image(), "GIF"))


def test_random_bytes_are_refused() -> None:
    with pytest.raises(InvalidImage, match="not a recognised image; use PNG, JPEG or WEBP"):
        inspect_image(random.Random(1).randbytes(4000))


def test_empty_data_is_refused() -> None:
    with pytest.raises(InvalidImage, match="image is empty"):
        inspect_image(b"")


@pytest.mark.parametrize("pillow_format", ["PNG", "JPEG", "WEBP"])
def test_truncated_images_are_refused(pillow_format: str) -> None:
    whole = encoded(noise_image((256, 256)), pillow_format)

    with pytest.raises(InvalidImage, match=f"{pillow_format} data is corrupt or truncated"):
        inspect_image(whole[: len(whole) // 2])


def test_too_many_bytes_are_refused_before_parsing() -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(60 * 2**20 - 8)

    with pytest.raises(InvalidImage, match=r"^image is 60\.0 MB; the limit is 50 MB$"):
        inspect_image(data)


@pytest.mark.parametrize(("width", "height"), [(30000, 30000), (20000, 20000), (8000, 8000)])
def test_png_bomb_is_refused_from_its_header(width: int, height: int) -> None:
    # The pixel data is for 1x1, so only a header check can produce this message.
    bomb = with_png_size(encoded(Image.new("1", (1, 1)), "PNG"), width, height)

    with pytest.raises(
        InvalidImage, match=rf"^image is {width}x{height} pixels; the limit is 40 megapixels$"
    ):
        inspect_image(bomb)
    with pytest.raises(InvalidImage, match="megapixels"):
        decode_image(bomb)
    with pytest.raises(InvalidImage, match="megapixels"):
        thumbnail_jpeg(bomb, max_side=64)


def test_jpeg_bomb_is_refused_from_its_header() -> None:
    bomb = with_jpeg_size(encoded(noise_image((16, 16)), "JPEG"), 65000, 65000)

    with pytest.raises(InvalidImage, match=r"^image is 65000x65000 pixels"):
        inspect_image(bomb)


@pytest.mark.parametrize("lossless", [False, True])
def test_webp_bomb_is_refused_before_the_decoder_allocates(lossless: bool) -> None:
    bomb = with_webp_size(encoded(noise_image((16, 16)), "WEBP", lossless=lossless), 16383, 16383)

    with pytest.raises(InvalidImage, match=r"^image is 16383x16383 pixels"):
        inspect_image(bomb)


def test_max_pixels_can_be_lowered() -> None:
    png = encoded(noise_image((100, 100)), "PNG")

    with pytest.raises(
        InvalidImage, match=r"image is 100x100 pixels; the limit is 0\.005 megapixels"
    ):
        inspect_image(png, max_pixels=5_000)
    assert inspect_image(png, max_pixels=10_000).width == 100


@pytest.mark.parametrize(
    ("size", "max_side", "expected"),
    [((400, 200), 100, (100, 50)), ((200, 400), 100, (50, 100)), ((50, 30), 100, (50, 30))],
)
@pytest.mark.parametrize("pillow_format", ["PNG", "JPEG"])
def test_thumbnail_keeps_aspect_and_never_upscales(
    size: tuple[int, int], max_side: int, expected: tuple[int, int], pillow_format: str
) -> None:
    thumbnail = thumbnail_jpeg(encoded(noise_image(size), pillow_format), max_side=max_side)

    assert inspect_image(thumbnail) == ImageInfo("jpeg", *expected)


def test_encode_jpeg_flattens_transparency_onto_white() -> None:
    transparent = Image.new("RGBA", (8, 8), (0, 0, 0, 0))

    decoded = decode_image(encode_jpeg(transparent))

    assert decoded.mode == "RGB"
    assert min(decoded.getpixel((4, 4))) >= 250


def test_encode_png_keeps_pixels() -> None:
    image = noise_image(mode="RGBA")

    assert decode_image(encode_png(image)).tobytes() == image.tobytes()


def test_base64_round_trips_with_and_without_data_uri() -> None:
    png = encoded(noise_image(), "PNG")
    text = to_base64(png)

    assert from_base64(text) == png
    assert from_base64(f"data:image/png;base64,{text}") == png
    assert from_base64(f"  {text[:40]}\n{text[40:]}\n") == png


@pytest.mark.parametrize("text", ["not base64!", "abc", "ab\0c", "ümlaut"])
def test_invalid_base64_is_refused(text: str) -> None:
    with pytest.raises(InvalidImage, match="is not valid base64"):
        from_base64(text)


def test_data_uri_must_be_a_base64_image() -> None:
    with pytest.raises(InvalidImage, match="data URI"):
        from_base64(f"data:text/html;base64,{to_base64(b'<p>')}")
