from typing import Annotated

from fastapi import APIRouter, Query, Response

from actormaker.gateway.access.gate import MISSING_KEY
from actormaker.gateway.access.scopes import Scope
from actormaker.gateway.deps import BearerKey, FileLinksDep, GateDep, StorageDep
from actormaker.gateway.styles.files import read_served_file

router = APIRouter(prefix="/files", tags=["files"])

MaxSide = Annotated[int | None, Query(ge=16, le=1024, description="thumbnail size limit in px")]
_NO_KEY_NOR_LINK = f"{MISSING_KEY}, or use a signed link from a listing (they expire)"


@router.get("/{key:path}", response_class=Response)
async def file(
    key: str,
    storage: StorageDep,
    links: FileLinksDep,
    gate: GateDep,
    api_key: BearerKey,
    max_side: MaxSide = None,
    expires: int | None = None,
    signature: str | None = None,
) -> Response:
    """A base, training, history or candidate image; a JPEG thumbnail with max_side.

    With API_KEY set, the request needs a key with the read scope or the signature of a listed
    link.
    """
    if not links.allows(key, max_side=max_side, expires=expires, signature=signature):
        await gate.admit(api_key, needs=Scope.READ, refusal=_NO_KEY_NOR_LINK)
    served = await read_served_file(storage, key, max_side=max_side)
    return Response(served.data, media_type=served.media_type)
