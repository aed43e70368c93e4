from typing import Annotated

from fastapi import APIRouter, Body, status
from pydantic import JsonValue

from actormaker.common.schemas.img2img import Img2ImgSettings
from actormaker.gateway.deps import SessionDep
from actormaker.gateway.styles.deps import StyleDep
from actormaker.gateway.styles.library import (
    create_style,
    delete_style,
    import_styles,
    list_styles,
    save_settings,
    style_settings,
    update_style,
)
from actormaker.gateway.styles.presenters import style_public
from actormaker.gateway.styles.registry import parse_registry
from actormaker.gateway.styles.schemas import (
    StyleCreate,
    StylePublic,
    StylesImported,
    StylesPublic,
    StyleUpdate,
)

router = APIRouter(prefix="/styles", tags=["styles"])


@router.get("")
async def styles(session: SessionDep) -> StylesPublic:
    found = await list_styles(session)
    return StylesPublic(data=[style_public(style) for style in found], count=len(found))


@router.post("", status_code=status.HTTP_201_CREATED)
async def create(body: StyleCreate, session: SessionDep) -> StylePublic:
    return style_public(await create_style(session, body))


@router.post("/import")
async def import_registry(
    document: Annotated[JsonValue, Body(description="styles_registry.json, or a list of styles")],
    session: SessionDep,
) -> StylesImported:
    return await import_styles(session, parse_registry(document))


@router.get("/{style_id}")
async def style(style: StyleDep) -> StylePublic:
    return style_public(style)


@router.patch("/{style_id}")
async def update(style: StyleDep, body: StyleUpdate, session: SessionDep) -> StylePublic:
    return style_public(await update_style(session, style, body))


@router.delete("/{style_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(style: StyleDep, session: SessionDep) -> None:
    await delete_style(session, style)


@router.get("/{style_id}/settings")
async def settings(style: StyleDep) -> Img2ImgSettings:
    return style_settings(style)


@router.put("/{style_id}/settings")
async def replace_settings(
    style: StyleDep, body: Img2ImgSettings, session: SessionDep
) -> Img2ImgSettings:
    return style_settings(await save_settings(session, style, body))
