"""A frozen dataset uploaded to the training bucket, once: files already there are skipped.

Every file goes to `{prefix}/{dataset_id}/{name}`; a dataset id is the hash of its content, so
a second run of the same dataset finds everything in place and uploads nothing.
"""

import asyncio
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from actormaker.common.bus import ItemContext
from actormaker.common.s3transfer import upload
from actormaker.common.s3urls import S3Location
from actormaker.common.schemas.training import DatasetFile, TrainLora
from actormaker.common.storage import Storage

_REPORTS = 10  # progress events per upload, whatever the dataset's size


class UploadedDataset(BaseModel):
    bucket: str
    prefix: str
    s3_urls: list[str]
    uploaded: int
    skipped: int
    zip_key: str | None = None  # the whole dataset as one zip, for trainers that want one


@dataclass(frozen=True, kw_only=True)
class DatasetUploader:
    s3: Any
    storage: Storage
    bucket: str
    prefix: str
    concurrency: int

    async def upload(
        self, ctx: ItemContext, command: TrainLora, *, as_zip: bool
    ) -> UploadedDataset:
        """Upload the command's files (and, if asked, a zip of them); report as it goes."""
        folder = f"{self.prefix}/{command.dataset_id}"
        files = command.files
        limit = asyncio.Semaphore(self.concurrency)
        done = {"uploaded": 0, "skipped": 0}
        every = max(1, len(files) // _REPORTS)

        async def one(file: DatasetFile) -> str:
            location = S3Location(self.bucket, f"{folder}/{file.name}")
            async with limit:
                result = await upload(
                    self.s3, storage=self.storage, source_key=file.blob_key, dest=location
                )
            done[result.action] += 1
            count = done["uploaded"] + done["skipped"]
            if count % every == 0 or count == len(files):
                await ctx.progress(
                    f"dataset: {count}/{len(files)} files in s3://{self.bucket}/{folder} "
                    f"({done['skipped']} already there)",
                    fraction=0.05 * count / len(files),
                )
            return location.s3_uri

        s3_urls = await asyncio.gather(*(one(file) for file in files))
        zip_key = await self._upload_zip(folder, files) if as_zip else None
        return UploadedDataset(
            bucket=self.bucket,
            prefix=folder,
            s3_urls=list(s3_urls),
            uploaded=done["uploaded"],
            skipped=done["skipped"],
            zip_key=zip_key,
        )

    async def _upload_zip(self, folder: str, files: tuple[DatasetFile, ...]) -> str:
        key = f"{folder}.zip"
        try:
            await self.s3.head_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.ClientError:
            contents = [(file.name, await self.storage.read(file.blob_key)) for file in files]
            data = await asyncio.to_thread(_zipped, contents)
            await self.s3.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType="application/zip"
            )
        return key


def _zipped(contents: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    # Images are compressed already; storing them keeps the zip quick to make.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in contents:
            archive.writestr(name, data)
    return buffer.getvalue()
