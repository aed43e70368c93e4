"""Images, styles and dataset files with random names, so tests never collide."""

import io
import random
from typing import Any
from uuid import uuid4

import httpx
from PIL import Image, ImageDraw

from actormaker.common.schemas.img2img import (
    Img2ImgSettings,
    StyleSpec,
    TrainingImageRecord,
    settings_fingerprint,
)
from actormaker.common.storage import Storage
from actormaker.common.style_files import StyleFolder, training_caption

SMALL = {"width": 128, "height": 72}


def picture(width: int = 96, height: int = 64, *, fmt: str = "JPEG", seed: int = 0) -> bytes:
    """A small image with a few shapes, different for every seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x - 12, y - 12, x + 12, y + 12], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid4().hex[:8]}"


async def create_style(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {
        "id": unique("s"),
        "name": unique("Ink Noir "),
        "lora_name": "SBai_style_1.safetensors",
        "lora_strength_model": 1.1,
        "lora_strength_clip": 1.0,
        "trigger_words": "style SBai_style_1",
        "frontpad": "bold black and white line art,",
        "backpad": "frank miller style",
        "settings": SMALL,
    } | fields
    response = await client.post("/api/styles", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def upload(
    client: httpx.AsyncClient, filename: str, data: bytes | None = None, caption: str | None = None
) -> httpx.Response:
    files = {"file": (filename, data if data is not None else picture(), "image/jpeg")}
    form = {"caption": caption} if caption is not None else {}
    return await client.post("/api/base-images", files=files, data=form)


async def put_training_image(
    storage: Storage, style: dict[str, Any], stem: str, *, caption: str, **settings: Any
) -> TrainingImageRecord:
    """A training image as the worker would have written it, for tests without a worker."""
    spec = StyleSpec(
        id=style["id"],
        name=style["name"],
        folder=style["folder"],
        lora_name=style["lora_name"],
        lora_strength_model=style["lora_strength_model"],
        lora_strength_clip=style["lora_strength_clip"],
        frontpad=style["frontpad"],
        backpad=style["backpad"],
        trigger=style["trigger_words"],
    )
    made_with = Img2ImgSettings.model_validate(style["settings"] | settings)
    record = TrainingImageRecord(
        image=f"{stem}.jpg",
        style_id=spec.id,
        style=spec,
        settings=made_with,
        fingerprint=settings_fingerprint(spec, made_with),
        prompt=f"{spec.frontpad} {caption} {spec.backpad}",
        caption=caption,
        caption_source="file",
        workflow="template",
        runpod_job_id=f"{uuid4()}-u1",
        job_id=uuid4(),
        width=128,
        height=72,
    )
    files = StyleFolder(spec.folder).training(stem)
    await storage.write(files.image, picture(128, 72, seed=hash(stem) % 1000))
    await storage.write(files.record, record.model_dump_json().encode())
    await storage.write(files.caption, training_caption(caption, spec.trigger).encode())
    return record
