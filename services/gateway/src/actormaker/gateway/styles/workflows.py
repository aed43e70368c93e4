"""Checking a request's own workflow against the img2img binding before anything is queued."""

from functools import cache
from pathlib import Path

from pydantic import JsonValue

from actormaker.common.comfy import WorkflowBinding, WorkflowTemplate
from actormaker.common.schemas.img2img import IMG2IMG_WORKFLOW


@cache
def img2img_binding(workflows_dir: Path) -> WorkflowBinding:
    """The binding the img2img worker fills workflows with (read once)."""
    return WorkflowBinding.load(workflows_dir / f"{IMG2IMG_WORKFLOW}.binding.json")


def check_workflow(workflow: dict[str, JsonValue], *, workflows_dir: Path) -> None:
    """InvalidWorkflow (422) naming what is missing, if the binding does not fit the workflow."""
    WorkflowTemplate(workflow, img2img_binding(workflows_dir.resolve()))
