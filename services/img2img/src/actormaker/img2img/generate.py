"""Handler of GenerateTrainingImage: base image + caption → RunPod ComfyUI → training image."""

import asyncio
from dataclasses import dataclass

import httpx

from actormaker.common.bus import ItemContext
from actormaker.common.comfy import WorkflowTemplate
from actormaker.common.schemas.img2img import (
    GenerateTrainingImage,
    TrainingImageGenerated,
    TrainingImageRecord,
    settings_fingerprint,
)
from actormaker.common.storage import Storage
from actormaker.common.style_files import DEFAULT_CAPTION, base_image_key, parse_image_name
from actormaker.img2img.imaging import result_image, source_base64
from actormaker.img2img.prompts import build_prompt, read_caption
from actormaker.img2img.render import Renderer
from actormaker.img2img.saving import save_result
from actormaker.img2img.workflows import fill_workflow, template_for


@dataclass(frozen=True, kw_only=True)
class Generator:
    """What the handler works with; built once per worker."""

    storage: Storage
    renderer: Renderer
    template: WorkflowTemplate
    http: httpx.AsyncClient


async def generate_training_image(
    command: GenerateTrainingImage, ctx: ItemContext, *, generator: Generator
) -> TrainingImageGenerated:
    name = command.image
    parse_image_name(name)  # the gateway checked it; a worker trusts no message blindly
    source = await generator.storage.read(base_image_key(name))
    caption = await read_caption(generator.storage, command)
    if caption.source == "default":
        await ctx.warn(f"{name}: no caption; using the default prompt {DEFAULT_CAPTION!r}")
    prompt = build_prompt(command.style, caption.text)
    settings = command.settings
    # Decoding and encoding images is CPU work: off the event loop, other items keep polling.
    encoded = await asyncio.to_thread(
        source_base64, source, width=settings.width, height=settings.height
    )
    workflow = fill_workflow(
        template_for(command, generator.template), command, source_base64=encoded, prompt=prompt
    )
    await ctx.raise_if_cancelled()
    job = await generator.renderer.render(workflow, ctx)
    image = await result_image(job.output, http=generator.http)
    await ctx.progress(f"{name}: saving the result of RunPod job {job.id}", fraction=0.9)
    record = TrainingImageRecord(
        image=name,
        style_id=command.style.id,
        style=command.style,
        settings=settings,
        fingerprint=settings_fingerprint(command.style, settings),
        prompt=prompt,
        caption=caption.text,
        caption_source=caption.source,
        workflow="template" if command.workflow is None else "request",
        runpod_job_id=job.id,
        job_id=command.job_id,
        width=image.width,
        height=image.height,
    )
    files = await save_result(generator.storage, command, jpeg=image.jpeg, record=record)
    return TrainingImageGenerated(
        image=name,
        key=files.image,
        record_key=files.record,
        candidate_id=command.candidate_id,
        runpod_job_id=job.id,
        prompt=prompt,
        seed=settings.seed,
        width=image.width,
        height=image.height,
    )
