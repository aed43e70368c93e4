"""The actor set (seed 002): one flux-kontext-pro edit of the portrait per image, saved in the
seed's layout, uploaded to the asset bucket and listed in response.json."""

from dataclasses import dataclass
from typing import Any

from actormaker.common.actor_files import response_key, training_key
from actormaker.common.actor_manifest import record_url
from actormaker.common.assets import AssetBucket
from actormaker.common.bus import ItemContext
from actormaker.common.images import encode_png
from actormaker.common.ledger import ProviderSteps
from actormaker.common.locks import FileLocks
from actormaker.common.replicate import ReplicateModel
from actormaker.common.s3transfer import upload
from actormaker.common.schemas.datagen import DatasetImage, DatasetImages, GenerateActorImage
from actormaker.datagen.actor_prompts import actor_prompts
from actormaker.datagen.predictions import Predictions, StoredImage, data_uri
from actormaker.datagen.sources import Sources

KONTEXT_STEP = "kontext"
SAVE_STEP = "save"
# flux-kontext-pro allows no more than 2 when an input image is given.
SAFETY_TOLERANCE = 2


@dataclass(frozen=True, kw_only=True)
class ActorSet:
    predictions: Predictions
    steps: ProviderSteps
    kontext: ReplicateModel
    sources: Sources
    s3: Any
    assets: AssetBucket
    locks: FileLocks
    input_max_side: int

    async def make(self, command: GenerateActorImage, ctx: ItemContext) -> DatasetImages:
        prompt = prompt_of(command)
        await ctx.progress(f"{command.kind.value} image {command.index}: {prompt[:80]}")

        async def inputs() -> dict[str, Any]:
            portrait = await self.sources.image(command.portrait)
            return {
                "prompt": prompt,
                "input_image": data_uri(portrait, max_side=self.input_max_side),
                "aspect_ratio": command.aspect_ratio,
                "output_format": "png",
                "safety_tolerance": SAFETY_TOLERANCE,
                "seed": command.seed,
            }

        made = await self.predictions.image(ctx, KONTEXT_STEP, self.kontext, inputs)

        async def save() -> DatasetImage:
            return await self._save(command, made, prompt)

        saved = await self.steps.local(ctx, SAVE_STEP, DatasetImage, save)
        return DatasetImages(images=[saved])

    async def _save(
        self, command: GenerateActorImage, made: StoredImage, prompt: str
    ) -> DatasetImage:
        storage = self.predictions.storage
        filename = f"{command.actor}_{command.index}.png"
        key = training_key(command.actor, filename)
        if made.key.endswith(".png"):
            await storage.copy(made.key, key)  # as Replicate made it: no second encoding
        else:
            image = await self.predictions.load(made)
            await storage.write(key, encode_png(image), content_type="image/png")
        location = self.assets.training_location(command.actor, filename)
        await upload(self.s3, storage=storage, source_key=key, dest=location)
        url = self.assets.url(location)
        # After the upload, so response.json never lists an object that is not in S3 yet.
        await record_url(
            storage,
            self.locks,
            self.assets,
            manifest_key=response_key(command.actor),
            url=url,
            location=location,
        )
        await storage.delete(made.key)
        return DatasetImage(key=key, kind=command.kind, description=prompt, url=url)


def prompt_of(command: GenerateActorImage) -> str:
    """This image's prompt: its place in the set's list, built the same by every worker."""
    prompts = actor_prompts(
        command.actor_type,
        command.actor_sex,
        mix=command.mix,
        description=command.description,
        outfit=command.outfit,
        seed=command.prompt_seed,
    )
    return prompts[command.position].text
