from typing import Annotated

from fastapi import APIRouter, Query, Response

from actormaker.gateway.deps import StorageDep
from actormaker.gateway.styles.files import read_served_file

router = APIRouter(prefix="/files", tags=["files"])

MaxSide = Annotated[int | None, Query(ge=16, le=1024, description="thumbnail size limit in px")]


@router.get("/{key:path}", response_class=Response)
async def file(key: str, storage: StorageDep, max_side: MaxSide = None) -> Response:
    """A base, training, history or candidate image; a JPEG thumbnail with max_side."""
    served = await read_served_file(storage, key, max_side=max_side)
    return Response(served.data, media_type=served.media_type)
