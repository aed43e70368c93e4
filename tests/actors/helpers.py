"""Builders for actor tests: actors with random names, PNGs made locally, S3 objects."""

import hashlib
import io
import json
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image

from actormaker.common.actor_files import response_key, training_key
from actormaker.common.storage import LocalStorage
from tests.gateway.conftest import Gateway

RESPOND_ASYNC = {"Prefer": "respond-async"}


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def png(seed: int, *, size: int = 32) -> bytes:
    """A small real PNG, different for every seed."""
    colour = (seed * 37 % 256, seed * 91 % 256, seed * 53 % 256)
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def legacy_response(urls: list[str]) -> dict[str, Any]:
    """The RunPod envelope the backend generator wrote as response.json."""
    return {
        "id": "sync-5f0c2a1e-e1",
        "status": "COMPLETED",
        "delayTime": 812,
        "executionTime": 91234,
        "output": {
            "output": {"actor_id": 2, "job_id": "j1", "s3_image_urls": urls, "type": "system"},
            "status": "success",
        },
    }


@dataclass(frozen=True)
class ActorStack:
    gateway: Gateway
    s3: Any
    bucket: str
    prefix: str
    storage: LocalStorage

    @property
    def client(self) -> httpx.AsyncClient:
        return self.gateway.client

    def key(self, actor: str, filename: str) -> str:
        return f"{self.prefix}/{actor}/{filename}"

    def url(self, actor: str, filename: str, *, bucket: str | None = None) -> str:
        bucket = bucket or self.bucket
        return f"https://{bucket}.s3.us-west-1.amazonaws.com/{self.key(actor, filename)}"

    async def new_actor(self, *, actor_id: int | None = None) -> tuple[int, str]:
        """Import one actor with a random id and name; returns both."""
        actor_id = actor_id if actor_id is not None else secrets.randbelow(10**6)
        name = f"{actor_id:04d}_test_{secrets.token_hex(3)}"
        record = {"id": actor_id, "name": name, "age": "35", "sex": "female", "good": False}
        response = await self.client.post("/api/actors/import", json=[record])
        assert response.status_code == 200, response.text
        return actor_id, name

    async def put(self, key: str, data: bytes, *, bucket: str | None = None) -> None:
        await self.s3.put_object(Bucket=bucket or self.bucket, Key=key, Body=data)

    async def get(self, key: str, *, bucket: str | None = None) -> bytes:
        response = await self.s3.get_object(Bucket=bucket or self.bucket, Key=key)
        async with response["Body"] as body:
            return await body.read()

    async def actor_in_s3(self, count: int = 3) -> tuple[int, str, dict[str, bytes]]:
        """An actor with `count` training images in S3 and a legacy response.json listing them."""
        actor_id, name = await self.new_actor()
        images = {f"{name}_{i}.png": png(i + actor_id) for i in range(count)}
        for filename, data in images.items():
            await self.put(self.key(name, filename), data)
        await self.write_response(name, legacy_response([self.url(name, f) for f in images]))
        return actor_id, name, images

    async def actor_with_local_images(self, count: int = 3) -> tuple[int, str, dict[str, bytes]]:
        """An actor with `count` local training images and no response.json."""
        actor_id, name = await self.new_actor()
        images = {f"{name}_{i}.png": png(i + actor_id + 7) for i in range(count)}
        for filename, data in images.items():
            await self.storage.write(training_key(name, filename), data)
        return actor_id, name, images

    async def write_response(self, actor: str, document: Any) -> None:
        await self.storage.write(response_key(actor), json.dumps(document).encode())

    async def read_response(self, actor: str) -> Any:
        return json.loads(await self.storage.read(response_key(actor)))

    def local(self, actor: str) -> dict[str, bytes]:
        """Every file in the actor's training_data folder, temp files included."""
        folder = self.storage.root / training_key(actor, "x").rsplit("/", 1)[0]
        if not folder.exists():
            return {}
        return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
