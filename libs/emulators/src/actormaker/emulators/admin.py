"""The admin API every emulator has, for tests and benchmarks, under /_emulator.

GET/PUT /config (PUT replaces the fields it names), GET /stats, POST /reset. The emulator is
`app.state.emulator`.
"""

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ValidationError


class Emulator(Protocol):
    @property
    def config(self) -> BaseModel: ...

    def configure(self, config: Any) -> None: ...  # each emulator takes its own config type

    def stats(self) -> dict[str, dict[str, int]]: ...

    async def reset(self) -> None: ...


async def get_emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def admin_routes(config_type: type[BaseModel], *, stats_key: str) -> APIRouter:
    """The admin router for an emulator configured by `config_type`; stats come as `stats_key`."""
    router = APIRouter(prefix="/_emulator")
    emulator_dep = Annotated[Emulator, Depends(get_emulator)]

    @router.get("/config", response_model=config_type)
    async def read_config(emulator: emulator_dep) -> BaseModel:
        return emulator.config

    @router.put("/config", response_model=config_type)
    async def update_config(changes: dict[str, Any], emulator: emulator_dep) -> BaseModel:
        merged = {**emulator.config.model_dump(), **changes}
        try:
            config = config_type.model_validate(merged)
        except ValidationError as exc:
            raise HTTPException(400, f"invalid emulator config: {exc}") from exc
        emulator.configure(config)
        return config

    @router.get("/stats")
    async def read_stats(emulator: emulator_dep) -> dict[str, Any]:
        return {stats_key: emulator.stats()}

    @router.post("/reset")
    async def reset(emulator: emulator_dep) -> dict[str, str]:
        await emulator.reset()
        return {"status": "reset"}

    return router
