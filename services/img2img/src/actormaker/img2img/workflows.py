"""Which workflow a command runs, and filling it with the image, prompt and settings."""

from pathlib import Path

from actormaker.common.comfy import InvalidWorkflow, ParamValue, WorkflowTemplate
from actormaker.common.comfy.workflows import Workflow
from actormaker.common.schemas.img2img import IMG2IMG_WORKFLOW, GenerateTrainingImage

# Without these a workflow cannot be an img2img of our base image; the rest are set when bound.
REQUIRED_PARAMS = frozenset({"source_image", "prompt"})


def load_template(workflows_dir: Path) -> WorkflowTemplate:
    """The img2img template and its binding, refused at start-up if they do not fit."""
    template = WorkflowTemplate.load(
        workflows_dir / f"{IMG2IMG_WORKFLOW}.json",
        workflows_dir / f"{IMG2IMG_WORKFLOW}.binding.json",
    )
    if missing := sorted(REQUIRED_PARAMS - template.params):
        raise InvalidWorkflow(f"binding {IMG2IMG_WORKFLOW}.binding.json lacks {missing}")
    return template


def template_for(command: GenerateTrainingImage, default: WorkflowTemplate) -> WorkflowTemplate:
    """The request's own workflow checked against our binding, or the default template."""
    if command.workflow is None:
        return default
    return WorkflowTemplate(command.workflow, default.binding)


def fill_workflow(
    template: WorkflowTemplate, command: GenerateTrainingImage, *, source_base64: str, prompt: str
) -> Workflow:
    """The workflow with every parameter the binding names set for this command."""
    style, settings = command.style, command.settings
    params: dict[str, ParamValue] = {
        "source_image": source_base64,
        "prompt": prompt,
        "lora_name": style.lora_name,
        "lora_strength_model": style.lora_strength_model,
        "lora_strength_clip": style.lora_strength_clip,
        "seed": settings.seed,
        "steps": settings.steps,
        "cfg": settings.cfg,
        "denoise": settings.denoise,
        "guidance": settings.guidance,
        "width": settings.width,
        "height": settings.height,
        "sampler_name": settings.sampler_name,
        "scheduler": settings.scheduler_name,
    }
    return template.fill({name: value for name, value in params.items() if name in template.params})
