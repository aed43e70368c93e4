"""The style set (seed 003): 3x3 grids of the source's style, their unique tiles upscaled 2x.

One item fills its quota: per attempt it plans nine subjects (the style's rotation), has
flux-kontext-pro draw the grid, asks the vision model which tiles are unique (corners and centre
when it cannot say), splits the grid exactly and upscales the chosen tiles in batches. Every
step is on the ledger, so a redelivery resumes where the last one stopped and pays for nothing
twice; a tile whose upscale fails is reported and the next grid makes up for it.
"""

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image
from pydantic import BaseModel

from actormaker.common.bus import ItemContext
from actormaker.common.errors import NotFound, PermanentError
from actormaker.common.images import encode_jpeg, encode_png
from actormaker.common.ledger import ProviderSteps
from actormaker.common.locks import FileLocks
from actormaker.common.providers import ProviderJobFailed, ProviderRejected, ProviderUnavailable
from actormaker.common.replicate import ReplicateModel
from actormaker.common.schemas import utcnow
from actormaker.common.schemas.datagen import DatasetImage, DatasetImages, GenerateStyleGrid
from actormaker.common.storage import join_key
from actormaker.common.style_files import StyleFolder, TrainingFiles
from actormaker.common.vision import VisionModel
from actormaker.datagen.captions import tile_caption
from actormaker.datagen.grids import UNIQUE_TILES_SCHEMA, VISION_PROMPT, choose_tiles, split_grid
from actormaker.datagen.predictions import Predictions, StoredImage, data_uri, work_prefix
from actormaker.datagen.sources import Sources
from actormaker.datagen.tiles import Rotation, grid_prompt

ROTATION_FILE = "tile_rotation.json"
DEBUG_FOLDER = "debug"


class GridPlan(BaseModel):
    descriptions: list[str]


class Picked(BaseModel):
    tiles: list[int]  # 0-based, reading order
    fallback: bool
    note: str | None = None


class GeneratedImageRecord(BaseModel):
    """Written beside each generated training image: what it was made from."""

    image: str
    style_id: str
    description: str
    caption: str
    source: str
    grid_prediction_id: str
    upscale_prediction_id: str
    job_id: str
    created_at: str


@dataclass(frozen=True, kw_only=True)
class StyleSet:
    predictions: Predictions
    steps: ProviderSteps
    kontext: ReplicateModel
    upscale: ReplicateModel
    vision: VisionModel
    sources: Sources
    locks: FileLocks
    input_max_side: int

    async def make(self, command: GenerateStyleGrid, ctx: ItemContext) -> DatasetImages:
        kept: list[DatasetImage] = []
        failures: list[str] = []
        for attempt in range(1, command.max_grids + 1):
            missing = command.quota - len(kept)
            if missing <= 0:
                break
            made, failed = await self._attempt(command, ctx, attempt, missing, len(kept))
            kept += made
            failures += failed
        await self._clean_up(ctx)
        if len(kept) < command.quota:
            reasons = "; ".join(failures) or "too few unique tiles"
            raise PermanentError(
                f"kept {len(kept)} of {command.quota} images after {command.max_grids} grids: "
                f"{reasons}"
            )
        return DatasetImages(images=kept, failures=failures)

    async def _attempt(
        self, command: GenerateStyleGrid, ctx: ItemContext, attempt: int, missing: int, done: int
    ) -> tuple[list[DatasetImage], list[str]]:
        async def plan() -> GridPlan:
            return await self._plan(command, attempt)

        planned = await self.steps.local(ctx, f"plan-{attempt}", GridPlan, plan)

        async def grid_inputs() -> dict[str, Any]:
            source = await self.sources.image(command.source)
            return {
                "prompt": grid_prompt(planned.descriptions),
                "input_image": data_uri(source, max_side=self.input_max_side),
                "aspect_ratio": "1:1",
                "output_format": "png",
                "safety_tolerance": 2,
                "seed": command.seed + attempt,
            }

        try:
            grid = await self.predictions.image(ctx, f"grid-{attempt}", self.kontext, grid_inputs)
        except ProviderJobFailed as error:
            await ctx.warn(f"grid {attempt} failed: {error}")
            return [], [f"grid {attempt}: {error}"]
        image = await self.predictions.load(grid)
        tiles = await asyncio.to_thread(split_grid, image)

        async def pick() -> Picked:
            return await self._pick(image, missing)

        picked = await self.steps.local(ctx, f"pick-{attempt}", Picked, pick)
        if picked.fallback:
            await ctx.warn(f"grid {attempt}: {picked.note}; kept the corners and the centre")
        else:
            chosen = ", ".join(str(tile + 1) for tile in picked.tiles)
            await ctx.progress(f"grid {attempt}: the vision model kept tiles {chosen}")
        if command.debug:
            await self._keep_debug(command, attempt, image, tiles)
        return await self._upscale_all(command, ctx, attempt, grid, planned, picked, tiles, done)

    async def _plan(self, command: GenerateStyleGrid, attempt: int) -> GridPlan:
        """The next nine subjects of the style's rotation, taken under its lock."""
        storage = self.predictions.storage
        key = join_key(StyleFolder(command.style_folder).prefix, ROTATION_FILE)
        async with self.locks.hold(key):
            try:
                rotation = Rotation.model_validate_json(await storage.read(key))
            except NotFound:
                rotation = Rotation()
            rng = random.Random(command.seed * 31 + attempt)
            chosen, updated = rotation.next_grid(rng=rng)
            await storage.write(
                key, updated.model_dump_json().encode(), content_type="application/json"
            )
        return GridPlan(descriptions=chosen)

    async def _pick(self, grid: Image.Image, missing: int) -> Picked:
        try:
            answer = await self.vision.ask(
                VISION_PROMPT, grid, name="unique_tiles", schema=UNIQUE_TILES_SCHEMA
            )
            note = "the vision model's answer was empty or unusable"
        except (ProviderUnavailable, ProviderRejected) as error:
            answer, note = None, f"the vision model failed ({error})"
        tiles, fallback = choose_tiles(answer, missing)
        return Picked(tiles=tiles, fallback=fallback, note=note if fallback else None)

    async def _upscale_all(
        self,
        command: GenerateStyleGrid,
        ctx: ItemContext,
        attempt: int,
        grid: StoredImage,
        planned: GridPlan,
        picked: Picked,
        tiles: Sequence[Image.Image],
        done: int,
    ) -> tuple[list[DatasetImage], list[str]]:
        kept: list[DatasetImage] = []
        failures: list[str] = []
        batch = command.upscale_batch
        for start in range(0, len(picked.tiles), batch):
            chosen = picked.tiles[start : start + batch]
            outcomes = await asyncio.gather(
                *(self._upscale(ctx, attempt, tiles[tile], tile) for tile in chosen),
                return_exceptions=True,
            )
            for tile, outcome in zip(chosen, outcomes, strict=True):
                if isinstance(outcome, PermanentError):
                    failures.append(f"grid {attempt} tile {tile + 1}: {outcome}")
                    await ctx.warn(f"grid {attempt} tile {tile + 1} not kept: {outcome}")
                    continue
                if isinstance(outcome, BaseException):
                    raise outcome
                number = command.first_number + done + len(kept)
                description = planned.descriptions[tile % len(planned.descriptions)]

                async def save(
                    upscaled: StoredImage = outcome, n: int = number, d: str = description
                ) -> DatasetImage:
                    return await self._save(command, ctx, grid, upscaled, n, d)

                saved = await self.steps.local(
                    ctx, f"save-{attempt}-{tile + 1}", DatasetImage, save
                )
                kept.append(saved)
                await ctx.progress(
                    f"kept {saved.key.rsplit('/', 1)[-1]} ({done + len(kept)} of {command.quota})",
                    fraction=(done + len(kept)) / command.quota,
                )
        return kept, failures

    async def _upscale(
        self, ctx: ItemContext, attempt: int, tile: Image.Image, index: int
    ) -> StoredImage:
        async def inputs() -> dict[str, Any]:
            return {
                "image": data_uri(tile, max_side=max(tile.size)),
                "enhance_model": "Standard V2",
                "upscale_factor": "2x",
                "output_format": "jpg",
            }

        step = f"upscale-{attempt}-{index + 1}"
        return await self.predictions.image(ctx, step, self.upscale, inputs)

    async def _save(
        self,
        command: GenerateStyleGrid,
        ctx: ItemContext,
        grid: StoredImage,
        upscaled: StoredImage,
        number: int,
        description: str,
    ) -> DatasetImage:
        storage = self.predictions.storage
        folder = StyleFolder(command.style_folder)
        files = TrainingFiles.at(folder.prefix, f"{command.stem}-{number:02d}_training")
        image = await self.predictions.load(upscaled)
        caption = tile_caption(description, command.trigger)
        record = GeneratedImageRecord(
            image=files.image,
            style_id=command.style_id,
            description=description,
            caption=caption,
            source=command.source.name,
            grid_prediction_id=grid.prediction_id,
            upscale_prediction_id=upscaled.prediction_id,
            job_id=str(ctx.job_id),
            created_at=utcnow().isoformat(),
        )
        # The record and caption first: a listed image always has both.
        await storage.write(
            files.record, record.model_dump_json(indent=2).encode(), content_type="application/json"
        )
        await storage.write(files.caption, caption.encode(), content_type="text/plain")
        await storage.write(files.image, encode_jpeg(image, quality=95), content_type="image/jpeg")
        return DatasetImage(key=files.image, caption=caption, description=description)

    async def _keep_debug(
        self,
        command: GenerateStyleGrid,
        attempt: int,
        grid: Image.Image,
        tiles: Sequence[Image.Image],
    ) -> None:
        storage = self.predictions.storage
        debug = join_key(StyleFolder(command.style_folder).prefix, DEBUG_FOLDER)
        name = f"{command.stem}-grid{attempt}"
        await storage.write(
            join_key(debug, f"{name}.png"), encode_png(grid), content_type="image/png"
        )
        for index, tile in enumerate(tiles, start=1):
            key = join_key(debug, f"{name}-tile{index}.png")
            await storage.write(key, encode_png(tile), content_type="image/png")

    async def _clean_up(self, ctx: ItemContext) -> None:
        storage = self.predictions.storage
        for info in await storage.list(work_prefix(ctx)):
            await storage.delete(info.key)
