"""The style a path names, loaded once per request: a missing one answers 404."""

from typing import Annotated

from fastapi import Depends

from actormaker.gateway.deps import SessionDep
from actormaker.gateway.styles.library import load_style
from actormaker.gateway.styles.models import Style


async def get_style(style_id: str, session: SessionDep) -> Style:
    return await load_style(session, style_id)


StyleDep = Annotated[Style, Depends(get_style)]
