from typing import Annotated

from fastapi import APIRouter, Form, UploadFile, status

from actormaker.gateway.deps import FileLinksDep, StorageDep
from actormaker.gateway.styles.base_images import (
    delete_base_image,
    list_base_images,
    read_caption,
    upload_base_image,
    write_caption,
)
from actormaker.gateway.styles.image_schemas import (
    BaseImagePublic,
    BaseImagesPublic,
    CaptionPublic,
    CaptionUpdate,
)
from actormaker.gateway.styles.presenters import base_image_public

router = APIRouter(prefix="/base-images", tags=["base images"])

Caption = Annotated[str | None, Form(max_length=4000)]


@router.get("")
async def base_images(storage: StorageDep, links: FileLinksDep) -> BaseImagesPublic:
    images = await list_base_images(storage)
    return BaseImagesPublic(images=[base_image_public(image, links) for image in images])


@router.post("", status_code=status.HTTP_201_CREATED)
async def upload(
    file: UploadFile,
    storage: StorageDep,
    links: FileLinksDep,
    caption: Caption = None,
    replace: bool = False,
) -> BaseImagePublic:
    image = await upload_base_image(
        storage,
        filename=file.filename or "",
        data=await file.read(),
        caption=caption,
        replace=replace,
    )
    return base_image_public(image, links)


@router.get("/{filename}/caption")
async def caption(filename: str, storage: StorageDep) -> CaptionPublic:
    return CaptionPublic(filename=filename, caption=await read_caption(storage, filename))


@router.put("/{filename}/caption")
async def replace_caption(filename: str, body: CaptionUpdate, storage: StorageDep) -> CaptionPublic:
    text = await write_caption(storage, filename, body.caption)
    return CaptionPublic(filename=filename, caption=text or None)


@router.delete("/{filename}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(filename: str, storage: StorageDep) -> None:
    await delete_base_image(storage, filename)
