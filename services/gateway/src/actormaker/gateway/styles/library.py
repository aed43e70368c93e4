"""The style library: create, read, update, delete, settings and registry import."""

import re
from typing import Any

from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from actormaker.common.digits import ascii_int, is_ascii_number
from actormaker.common.errors import InvalidInput, NotFound
from actormaker.common.schemas import utcnow
from actormaker.common.schemas.img2img import Img2ImgSettings, StyleSpec, settings_fingerprint
from actormaker.gateway.errors import Conflict
from actormaker.gateway.styles.models import Style
from actormaker.gateway.styles.registry import RegistryStyle
from actormaker.gateway.styles.schemas import StyleCreate, StylesImported, StyleUpdate


def style_settings(style: Style) -> Img2ImgSettings:
    """The style's img2img settings (the seed's defaults for any it does not set)."""
    return Img2ImgSettings.model_validate(style.settings)


def style_spec(style: Style) -> StyleSpec:
    """The style as a command carries it."""
    return StyleSpec(
        id=style.id,
        name=style.name,
        folder=style.folder,
        lora_name=style.lora_name,
        lora_strength_model=style.lora_strength_model,
        lora_strength_clip=style.lora_strength_clip,
        frontpad=style.frontpad,
        backpad=style.backpad,
        trigger=style.trigger_words,
    )


def style_fingerprint(style: Style) -> str:
    """The fingerprint a training image made now with the style's settings would carry."""
    return settings_fingerprint(style_spec(style), style_settings(style))


def folder_name(style_id: str, name: str) -> str:
    """The seed's `{styleId}_{styleName}` folder, with the name as a lowercase slug."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return f"{style_id}_{slug}"[:200].rstrip("_.-") if slug else style_id


async def load_style(session: AsyncSession, style_id: str) -> Style:
    """The style with this id, or NotFound."""
    style = await session.get(Style, style_id)
    if style is None:
        raise NotFound("style", style_id)
    return style


async def list_styles(session: AsyncSession) -> list[Style]:
    """Every style, numeric ids in number order first."""
    styles = list((await session.exec(select(Style))).all())
    return sorted(styles, key=lambda s: (not is_ascii_number(s.id), ascii_int(s.id) or 0, s.id))


async def create_style(session: AsyncSession, data: StyleCreate) -> Style:
    """A new style; Conflict if its id or folder is taken."""
    style_id = data.id or await _next_id(session)
    if await session.get(Style, style_id) is not None:
        raise Conflict(f"style {style_id} already exists")
    folder = data.folder or folder_name(style_id, data.name)
    if (await session.exec(select(Style).where(Style.folder == folder))).first() is not None:
        raise Conflict(f"folder {folder} already belongs to another style")
    fields = data.model_dump(exclude={"id", "folder", "settings"})
    style = Style(id=style_id, folder=folder, settings=data.settings.model_dump(), **fields)
    session.add(style)
    await session.commit()
    return style


async def update_style(session: AsyncSession, style: Style, changes: StyleUpdate) -> Style:
    """Apply the fields `changes` sets."""
    for name, value in changes.model_dump(exclude_unset=True).items():
        setattr(style, name, value)
    return await _touch(session, style)


async def save_settings(session: AsyncSession, style: Style, settings: Img2ImgSettings) -> Style:
    """Replace the style's img2img settings."""
    style.settings = settings.model_dump()
    return await _touch(session, style)


async def delete_style(session: AsyncSession, style: Style) -> None:
    """Remove the style from the library; its dataset folder stays in storage."""
    await session.delete(style)
    await session.commit()


async def import_styles(session: AsyncSession, entries: list[RegistryStyle]) -> StylesImported:
    """Create the registry's new styles and update the ones already known, by id.

    Settings an entry does not carry keep their current value. Importing twice changes nothing.
    """
    try:
        plans = [(entry, entry.to_style()) for entry in entries]
    except ValidationError as error:
        raise InvalidInput(f"registry style is invalid: {error}") from error
    result = StylesImported(created=[], updated=[])
    for entry, data in plans:
        style = await session.get(Style, entry.id)
        if style is None:
            style = await create_style(session, data)
            result.created.append(style.id)
        else:
            for name in StyleUpdate.model_fields:
                setattr(style, name, getattr(data, name))
            style.settings = entry.settings_over(style_settings(style)).model_dump()
            result.updated.append(style.id)
        style.registry_fields = entry.kept_fields()
        await _touch(session, style)
    return result


async def _touch(session: AsyncSession, style: Style) -> Style:
    style.updated_at = utcnow()
    session.add(style)
    await session.commit()
    return style


async def _next_id(session: AsyncSession) -> str:
    ids: list[Any] = list((await session.exec(select(col(Style.id)))).all())
    numbers = [number for value in ids if (number := ascii_int(str(value))) is not None]
    return str(max(numbers, default=0) + 1)
