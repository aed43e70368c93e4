"""Style dependencies: the style a path names (404 if missing), and the batch submitter."""

from typing import Annotated

from fastapi import Depends

from actormaker.gateway.deps import BusDep, SessionDep, SettingsDep, StorageDep
from actormaker.gateway.styles.generation import BatchSubmitter
from actormaker.gateway.styles.library import load_style
from actormaker.gateway.styles.models import Style


async def get_style(style_id: str, session: SessionDep) -> Style:
    return await load_style(session, style_id)


StyleDep = Annotated[Style, Depends(get_style)]


def get_submitter(
    session: SessionDep, bus: BusDep, storage: StorageDep, settings: SettingsDep
) -> BatchSubmitter:
    return BatchSubmitter(session, bus, storage, settings.workflows_dir)


SubmitterDep = Annotated[BatchSubmitter, Depends(get_submitter)]
