"""What worker-comfyui does with a job's input, with Pillow standing in for ComfyUI.

It validates the input like the real handler, takes the source image, prompt, seed, denoise and
size from the workflow generically (no node ids are assumed) and renders with `restyle`.
Failures raise `WorkerError`, the emulated handler's `{"error": ..., "details": [...]}`.
"""

import base64
import binascii
import io
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError

from actormaker.emulators.restyle import ImageFormat, RestyleRequest, restyle

OutputFormat = Literal["list", "legacy"]
_MIN_BASE64_IMAGE = 64
_LINK_HOPS = 4
_TEXT_INPUTS = ("t5xxl", "text", "clip_l")


class WorkerError(Exception):
    def __init__(self, error: str, details: list[str] | None = None) -> None:
        self.error = error
        self.details = details or []
        super().__init__(error)

    def handler_result(self) -> dict[str, Any]:
        result: dict[str, Any] = {"error": self.error}
        if self.details:
            result["details"] = self.details
        return result


@dataclass(frozen=True, kw_only=True)
class ComfyJob:
    """A validated worker-comfyui input, resolved to what the emulator renders."""

    workflow: dict[str, dict[str, Any]]
    prompt: str
    sampler: tuple[str, str] = ("150", "KSampler")
    save_prefix: str = "ComfyUI"
    request: RestyleRequest | None = field(default=None, repr=False)


def read_job_input(raw: object) -> ComfyJob:
    """Validate the job input like worker-comfyui and locate everything the render needs."""
    job_input = _validated_input(raw)
    workflow = job_input["workflow"]
    uploads = _uploaded_images(job_input.get("images") or [])
    sampler_id = _find_sampler(workflow)
    sampler_inputs = workflow[sampler_id]["inputs"] if sampler_id else {}
    prompt = _find_prompt(workflow, sampler_inputs)
    source = _find_source(workflow, uploads)
    width, height = _find_size(workflow)
    request = None
    if source is not None:
        request = RestyleRequest(
            source=source,
            prompt=prompt,
            width=width,
            height=height,
            denoise=_number(sampler_inputs.get("denoise"), 1.0),
            seed=int(_number(sampler_inputs.get("seed", sampler_inputs.get("noise_seed")), 0)),
        )
    return ComfyJob(
        workflow=workflow,
        prompt=prompt,
        sampler=(sampler_id, workflow[sampler_id]["class_type"])
        if sampler_id
        else ("150", "KSampler"),
        save_prefix=_find_save_prefix(workflow),
        request=request,
    )


def execution_error(node_id: str, node_type: str, message: str) -> WorkerError:
    """The failure worker-comfyui reports when a node raises during execution."""
    detail = (
        f"Workflow execution error: Node Type: {node_type}, Node ID: {node_id}, Message: {message}"
    )
    return WorkerError("Job processing failed", [detail])


def render_output(
    job: ComfyJob, *, output_format: OutputFormat, image_format: ImageFormat
) -> dict[str, Any]:
    """Run the emulated workflow and build the handler's output dict."""
    if job.request is None:
        loader = _find_loader(job.workflow)
        if loader is None:
            raise WorkerError(
                "Job processing failed",
                ["Workflow has no source image: no LoadImage node and no base64 image input"],
            )
        raise execution_error(*loader, "no image data")
    try:
        rendered = restyle(job.request, fmt=image_format)
    except (UnidentifiedImageError, OSError) as exc:
        node = _find_loader(job.workflow) or job.sampler
        raise execution_error(*node, f"cannot read the source image: {exc}") from exc
    data = base64.b64encode(rendered).decode("ascii")
    if output_format == "legacy":
        return {"status": "success", "message": data}
    extension = "jpg" if image_format == "JPEG" else "png"
    filename = f"{job.save_prefix}_00001_.{extension}"
    return {"images": [{"filename": filename, "type": "base64", "data": data}]}


def _validated_input(raw: object) -> dict[str, Any]:
    if raw is None:
        raise WorkerError("Please provide input")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise WorkerError("Invalid JSON format in input") from exc
    if not isinstance(raw, dict) or raw.get("workflow") is None:
        raise WorkerError("Missing 'workflow' parameter")
    workflow = raw["workflow"]
    if isinstance(workflow, str):
        try:
            workflow = json.loads(workflow)
        except ValueError as exc:
            raise WorkerError(f"Workflow validation failed: workflow is not JSON: {exc}") from exc
    if not isinstance(workflow, dict) or not all(
        isinstance(node, dict) and "class_type" in node and isinstance(node.get("inputs"), dict)
        for node in workflow.values()
    ):
        raise WorkerError("Workflow validation failed: the workflow is not in API format")
    images = raw.get("images")
    if images is not None and not (
        isinstance(images, list)
        and all(
            isinstance(image, dict) and "name" in image and "image" in image for image in images
        )
    ):
        raise WorkerError("'images' must be a list of objects with 'name' and 'image' keys")
    return {**raw, "workflow": workflow}


def _uploaded_images(images: list[dict[str, Any]]) -> dict[str, bytes]:
    uploads: dict[str, bytes] = {}
    errors: list[str] = []
    for image in images:
        text = str(image["image"])
        payload = text.split(",", 1)[1] if "," in text else text
        try:
            uploads[str(image["name"])] = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            errors.append(f"Error decoding base64 for {image['name']}: {exc}")
    if errors:
        raise WorkerError("Failed to upload one or more input images", errors)
    return uploads


def _find_sampler(workflow: dict[str, dict[str, Any]]) -> str | None:
    for node_id, node in workflow.items():
        if "KSampler" in node["class_type"] or node["class_type"].startswith("SamplerCustom"):
            return node_id
    return None


def _find_prompt(workflow: dict[str, dict[str, Any]], sampler_inputs: dict[str, Any]) -> str:
    link = sampler_inputs.get("positive")
    for _ in range(_LINK_HOPS):
        if not _is_link(link) or link[0] not in workflow:
            break
        node = workflow[link[0]]
        text = _text_of(node)
        if text:
            return text
        link = node["inputs"].get("conditioning")
    for node in workflow.values():
        title = str(node.get("_meta", {}).get("title", "")).lower()
        text = _text_of(node)
        if text and node["class_type"].startswith("CLIPTextEncode") and "negative" not in title:
            return text
    return ""


def _text_of(node: dict[str, Any]) -> str:
    for name in _TEXT_INPUTS:
        value = node["inputs"].get(name)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def _find_source(workflow: dict[str, dict[str, Any]], uploads: dict[str, bytes]) -> bytes | None:
    for node_id, node in workflow.items():
        if node["class_type"] == "LoadImage":
            name = node["inputs"].get("image")
            if name not in uploads:
                raise WorkerError(
                    f"Workflow validation failed:\n• Node {node_id} (image): "
                    f"Invalid image file: {name}"
                )
            return uploads[name]
        for value in node["inputs"].values():
            image = _decode_image(value)
            if image is not None:
                return image
    return None


def _decode_image(value: object) -> bytes | None:
    if not isinstance(value, str) or len(value) < _MIN_BASE64_IMAGE:
        return None
    payload = value.split(",", 1)[1] if value.startswith("data:") else value
    try:
        data = base64.b64decode(payload, validate=True)
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError):
        return None
    return data


def _find_loader(workflow: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    for node_id, node in workflow.items():
        if "loadimage" in node["class_type"].lower().replace(" ", ""):
            return node_id, node["class_type"]
    return None


def _find_size(workflow: dict[str, dict[str, Any]]) -> tuple[int | None, int | None]:
    for node in workflow.values():
        width, height = node["inputs"].get("width"), node["inputs"].get("height")
        if _is_int(width) and _is_int(height) and width > 0 and height > 0:
            return width, height
    return None, None


def _find_save_prefix(workflow: dict[str, dict[str, Any]]) -> str:
    for node in workflow.values():
        prefix = node["inputs"].get("filename_prefix")
        if node["class_type"] == "SaveImage" and isinstance(prefix, str) and prefix:
            return prefix
    return "ComfyUI"


def _is_link(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default
