"""worker-comfyui helpers: API-format workflow templates with bindings, and output parsing."""

from actormaker.common.comfy.outputs import ComfyImage, parse_comfy_output
from actormaker.common.comfy.workflows import (
    InputRef,
    InvalidWorkflow,
    ParamValue,
    WorkflowBinding,
    WorkflowTemplate,
)

__all__ = [
    "ComfyImage",
    "InputRef",
    "InvalidWorkflow",
    "ParamValue",
    "WorkflowBinding",
    "WorkflowTemplate",
    "parse_comfy_output",
]
