"""Demo actor: one actor a newcomer can sync at once, its images drawn here with Pillow.

- The catalog row is imported through the running gateway's HTTP API (`POST /api/actors/import`):
  the gateway stays the only writer of its database, and the import runs the same checks as a
  team's own actorsData.json.
- The base image and response.json go into the workspace storage the services use (the seed's
  `data/actors/{actor}/...` layout). response.json is the legacy RunPod envelope with production-
  style https URLs: they name the asset bucket, and s3sync fetches them from the local endpoint.
- The training images (and a copy of response.json beside them, as the backend generator left
  it) go into the local S3 asset bucket.

Anything already there is left alone, so restarting the stack never overwrites data. The local S3
server keeps its data in memory, so the bucket is filled again on every start.
"""

import io
import json
import random
from typing import Any

import httpx
from botocore.exceptions import ClientError
from PIL import Image, ImageDraw
from pydantic import SecretStr

from actormaker.common.actor_files import base_image_dir, response_key
from actormaker.common.assets import AssetBucket
from actormaker.common.s3client import s3_clients
from actormaker.common.settings import CommonSettings
from actormaker.common.storage import join_key, open_workspace

DEMO_ACTOR = {
    "id": 2,
    "name": "0002_european_35_female",
    "age": "35",
    "sex": "female",
    "ethnicity": "european",
    "face_prompt": "oval face, green eyes, light freckles, shoulder-length auburn hair",
    "description": "a woman in her mid thirties",
    "outfit": "dark green field jacket over a cream sweater",
    "good": False,
}
IMAGE_COUNT = 14
SIZE = (512, 512)
# The seed's URL form; the region only shapes the URL, the local endpoint serves the object.
URL_REGION = "us-west-1"


def draw_portrait(index: int) -> bytes:
    """A PNG of a simple figure, different for every index (pose, light, background)."""
    rng = random.Random(index)
    image = Image.new("RGB", SIZE, tuple(rng.randrange(40, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for y in range(SIZE[1] // 2, SIZE[1]):
        shade = 40 + (y - SIZE[1] // 2) // 3
        draw.line([(0, y), (SIZE[0], y)], fill=(shade, shade, shade + 10))
    x = 140 + rng.randrange(0, 230)
    draw.ellipse([x - 45, 120, x + 45, 230], fill=(233, 196, 170))
    draw.polygon(
        [(x - 30, 60 + 160), (x + 30, 220), (x + 90, 470), (x - 90, 470)], fill=(40, 80, 55)
    )
    draw.ellipse([x - 50, 105, x + 50, 160], fill=(150, 70, 40))
    draw.text((16, 16), f"{DEMO_ACTOR['name']} #{index}", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _legacy_response(urls: list[str]) -> bytes:
    document = {
        "id": "demo-0002-e1",
        "status": "COMPLETED",
        "output": {
            "output": {"actor_id": DEMO_ACTOR["id"], "s3_image_urls": urls, "type": "system"},
            "status": "success",
        },
    }
    return json.dumps(document, indent=2).encode()


def _settings(service_env: dict[str, str]) -> CommonSettings:
    """The services' storage and S3 settings; what the environment sets itself wins."""
    values: dict[str, object] = {
        "data_dir": service_env.get("DATA_DIR"),
        "workspace_bucket": service_env.get("WORKSPACE_BUCKET"),
        "s3_endpoint_url": service_env.get("S3_ENDPOINT_URL"),
        "s3sync_asset_bucket": service_env.get("S3SYNC_ASSET_BUCKET"),
    }
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        if name in service_env:
            values[name.lower()] = SecretStr(service_env[name])
    return CommonSettings(**{key: value for key, value in values.items() if value is not None})


async def seed_demo_actor(
    gateway_url: str, service_env: dict[str, str], *, api_key: str | None = None
) -> list[str]:
    """Seed what is missing of the demo actor; returns what was added."""
    settings = _settings(service_env)
    assets = AssetBucket.from_settings(settings)
    name = str(DEMO_ACTOR["name"])
    added = []
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with httpx.AsyncClient(base_url=gateway_url, headers=headers, timeout=30) as client:
        found = await client.get(f"/api/actors/{DEMO_ACTOR['id']}")
        if found.status_code == 404:
            (await client.post("/api/actors/import", json=[DEMO_ACTOR])).raise_for_status()
            added.append(f"actor {name}")
        else:
            found.raise_for_status()
    locations = [assets.training_location(name, f"{name}_{i}.png") for i in range(IMAGE_COUNT)]
    urls = [location.https_url(URL_REGION) for location in locations]
    workspace = open_workspace(settings)
    base_key = join_key(base_image_dir(name), f"{name}_base.png")
    if not await workspace.exists(base_key):
        await workspace.write(base_key, draw_portrait(100))
        added.append("base image")
    if not await workspace.exists(response_key(name)):
        await workspace.write(response_key(name), _legacy_response(urls))
        added.append("response.json")
    async with s3_clients(settings)() as s3:
        uploads = [(loc.key, draw_portrait(i)) for i, loc in enumerate(locations)]
        uploads.append(
            (assets.training_location(name, "response.json").key, _legacy_response(urls))
        )
        put = 0
        for key, data in uploads:
            if not await _object_exists(s3, assets.bucket, key):
                await s3.put_object(Bucket=assets.bucket, Key=key, Body=data)
                put += 1
        if put:
            added.append(f"{put} objects in s3://{assets.bucket}/{assets.prefix}/{name}/")
    return added


async def _object_exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        await s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True
