from typing import Annotated

from fastapi import APIRouter, Query, Response

from actormaker.gateway.deps import (
    MISSING_KEY,
    BearerKey,
    FileLinksDep,
    SettingsDep,
    StorageDep,
    bearer_is_valid,
)
from actormaker.gateway.errors import Unauthorized
from actormaker.gateway.styles.files import read_served_file

router = APIRouter(prefix="/files", tags=["files"])

MaxSide = Annotated[int | None, Query(ge=16, le=1024, description="thumbnail size limit in px")]


@router.get("/{key:path}", response_class=Response)
async def file(
    key: str,
    storage: StorageDep,
    settings: SettingsDep,
    links: FileLinksDep,
    credentials: BearerKey,
    max_side: MaxSide = None,
    expires: int | None = None,
    signature: str | None = None,
) -> Response:
    """A base, training, history or candidate image; a JPEG thumbnail with max_side.

    With API_KEY set, the request needs the bearer key or the signature of a listed link.
    """
    signed = links.allows(key, max_side=max_side, expires=expires, signature=signature)
    if not (signed or bearer_is_valid(settings, credentials)):
        raise Unauthorized(f"{MISSING_KEY}, or use a signed link from a listing (they expire)")
    served = await read_served_file(storage, key, max_side=max_side)
    return Response(served.data, media_type=served.media_type)
