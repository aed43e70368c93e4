from uuid import UUID

from fastapi import APIRouter, status

from actormaker.gateway.access.keys import create_key, list_keys, revoke_key
from actormaker.gateway.access.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeysPublic,
)
from actormaker.gateway.deps import GateDep, SessionDep

router = APIRouter(prefix="/admin/keys", tags=["admin"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create(request: ApiKeyCreate, session: SessionDep) -> ApiKeyCreated:
    """A new API key. The answer holds the key itself: it is shown this once, never again."""
    return await create_key(session, request)


@router.get("")
async def keys(session: SessionDep) -> ApiKeysPublic:
    """Every key, revoked ones too, newest first; never the keys themselves."""
    return ApiKeysPublic(
        data=[ApiKeyPublic.model_validate(row) for row in await list_keys(session)]
    )


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke(key_id: UUID, session: SessionDep, gate: GateDep) -> None:
    """Revoke a key: at once on this replica, within API_KEY_CACHE_S on the others."""
    await revoke_key(session, key_id)
    gate.forget(key_id)
