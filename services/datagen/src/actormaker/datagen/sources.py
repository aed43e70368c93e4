"""Input images: read from workspace storage or fetched from an allowed URL, then checked."""

from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image

from actormaker.common.assets import AssetBucket
from actormaker.common.downloads import download
from actormaker.common.errors import InvalidImage, PermanentError
from actormaker.common.images import decode_image
from actormaker.common.s3transfer import read_object
from actormaker.common.s3urls import InvalidS3Url
from actormaker.common.schemas.datagen import ImageSource
from actormaker.common.storage import Storage


@dataclass(frozen=True, kw_only=True)
class Sources:
    storage: Storage
    http: httpx.AsyncClient
    s3: Any
    assets: AssetBucket

    async def image(self, source: ImageSource) -> Image.Image:
        """The source decoded upright as RGB; PermanentError naming it when it is no image."""
        data = await self._bytes(source)
        try:
            return decode_image(data).convert("RGB")
        except InvalidImage as error:
            raise PermanentError(f"source image {source.name} is unusable: {error}") from error

    async def _bytes(self, source: ImageSource) -> bytes:
        if source.key is not None:
            return await self.storage.read(source.key)
        assert source.url is not None
        try:
            location = self.assets.parse(source.url)
        except InvalidS3Url:
            return await download(self.http, source.url, what="source image")
        return await read_object(self.s3, location)
