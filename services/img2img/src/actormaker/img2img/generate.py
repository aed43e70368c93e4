"""Handler of GenerateTrainingImage: base image + caption → RunPod ComfyUI → training image.

Two ledger steps: `render` (the RunPod job, its image kept in workspace storage) and `save`
(the training image, record and caption). A redelivered item resumes at the first unfinished one.
"""

import asyncio
from dataclasses import dataclass

from actormaker.common.bus import ItemContext
from actormaker.common.comfy import WorkflowTemplate
from actormaker.common.comfy.workflows import Workflow
from actormaker.common.errors import NotFound
from actormaker.common.ledger import ProviderSteps
from actormaker.common.schemas.img2img import (
    GenerateTrainingImage,
    TrainingImageGenerated,
    TrainingImageRecord,
    settings_fingerprint,
)
from actormaker.common.storage import Storage
from actormaker.common.style_files import DEFAULT_CAPTION, base_image_key, parse_image_name
from actormaker.img2img.imaging import source_base64
from actormaker.img2img.prompts import Caption, build_prompt, read_caption
from actormaker.img2img.render import RenderedImage, Renderer
from actormaker.img2img.saving import save_result
from actormaker.img2img.workflows import fill_workflow, template_for

SAVE_STEP = "save"


@dataclass(frozen=True, kw_only=True)
class Generator:
    """What the handler works with; built once per worker."""

    storage: Storage
    renderer: Renderer
    steps: ProviderSteps
    template: WorkflowTemplate


async def generate_training_image(
    command: GenerateTrainingImage, ctx: ItemContext, *, generator: Generator
) -> TrainingImageGenerated:
    name = command.image
    parse_image_name(name)  # the gateway checked it; a worker trusts no message blindly
    caption = await read_caption(generator.storage, command)
    if caption.source == "default":
        await ctx.warn(f"{name}: no caption; using the default prompt {DEFAULT_CAPTION!r}")
    prompt = build_prompt(command.style, caption.text)

    async def workflow() -> Workflow:
        try:
            source = await generator.storage.read(base_image_key(name))
        except NotFound:
            raise NotFound("base image", name) from None
        settings = command.settings
        # Decoding and encoding images is CPU work: off the event loop, other items keep polling.
        encoded = await asyncio.to_thread(
            source_base64, source, width=settings.width, height=settings.height
        )
        template = template_for(command, generator.template)
        return fill_workflow(template, command, source_base64=encoded, prompt=prompt)

    await ctx.raise_if_cancelled()
    rendered = await generator.renderer.render(ctx, workflow)

    async def save() -> TrainingImageGenerated:
        await ctx.progress(
            f"{name}: saving the result of RunPod job {rendered.runpod_job_id}", fraction=0.9
        )
        return await _save(generator.storage, command, rendered, caption=caption, prompt=prompt)

    saved = await generator.steps.local(ctx, SAVE_STEP, TrainingImageGenerated, save)
    await generator.storage.delete(rendered.key)
    return saved


async def _save(
    storage: Storage,
    command: GenerateTrainingImage,
    rendered: RenderedImage,
    *,
    caption: Caption,
    prompt: str,
) -> TrainingImageGenerated:
    settings = command.settings
    record = TrainingImageRecord(
        image=command.image,
        style_id=command.style.id,
        style=command.style,
        settings=settings,
        fingerprint=settings_fingerprint(command.style, settings),
        prompt=prompt,
        caption=caption.text,
        caption_source=caption.source,
        workflow="template" if command.workflow is None else "request",
        runpod_job_id=rendered.runpod_job_id,
        job_id=command.job_id,
        width=rendered.width,
        height=rendered.height,
    )
    jpeg = await storage.read(rendered.key)
    files = await save_result(storage, command, jpeg=jpeg, record=record)
    return TrainingImageGenerated(
        image=command.image,
        key=files.image,
        record_key=files.record,
        candidate_id=command.candidate_id,
        runpod_job_id=rendered.runpod_job_id,
        prompt=prompt,
        seed=settings.seed,
        width=rendered.width,
        height=rendered.height,
    )
