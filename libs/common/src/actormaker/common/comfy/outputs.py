"""Parse the `output` of a COMPLETED worker-comfyui job into images (EXTERNAL_APIS.md 2.2).

Accepted shapes:
- current:  {"images": [{"filename", "type": "base64" | "s3_url", "data"}], "errors"?: [...]}
- legacy:   {"status": "success", "message": "<URL or base64>"}
- nested:   {"job_results": {...}} or {"output": {...}} wrapping either of the above
Refused with PermanentError: {"status": "success_no_images"}, an empty image list, legacy
{"status": "error", ...} (the job reads COMPLETED although the work failed) and anything else.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from actormaker.common.errors import PermanentError

_NESTING_KEYS = ("job_results", "output")
_MAX_NESTING = 2
_EXCERPT = 200


@dataclass(frozen=True, kw_only=True)
class ComfyImage:
    """One result image: either its bytes (`data`) or a URL to fetch them from."""

    filename: str | None = None
    data: bytes | None = None
    url: str | None = None


def parse_comfy_output(output: object) -> list[ComfyImage]:
    """Images of a worker-comfyui output in any known format; PermanentError when there are none."""
    return _parse(output, depth=0)


def _parse(output: object, *, depth: int) -> list[ComfyImage]:
    if not isinstance(output, dict):
        raise PermanentError(f"unrecognised worker-comfyui output: {_excerpt(output)}")
    status = output.get("status")
    if status == "error":
        raise PermanentError(_legacy_error(output))
    if status == "success_no_images":
        raise PermanentError("workflow produced no images")
    images = output.get("images")
    if isinstance(images, list):
        if not images:
            raise PermanentError("workflow produced no images")
        return [_image_item(item, index) for index, item in enumerate(images)]
    message = output.get("message")
    if status == "success" and isinstance(message, str):
        return [_image_from_text(message, filename=None, index=0)]
    if depth < _MAX_NESTING:
        for key in _NESTING_KEYS:
            if isinstance(output.get(key), dict):
                return _parse(output[key], depth=depth + 1)
    raise PermanentError(f"unrecognised worker-comfyui output: {_excerpt(output)}")


def _image_item(item: object, index: int) -> ComfyImage:
    if isinstance(item, str):
        return _image_from_text(item, filename=None, index=index)
    if not isinstance(item, dict):
        raise PermanentError(f"output image {index} is not an object: {_excerpt(item)}")
    filename = item.get("filename") if isinstance(item.get("filename"), str) else None
    kind = item.get("type")
    data = item.get("data", item.get("url"))
    if not isinstance(data, str) or not data:
        raise PermanentError(f"output image {index} has no data: {_excerpt(item)}")
    if kind == "base64":
        return ComfyImage(filename=filename, data=_decode(data, index))
    if kind == "s3_url":
        return ComfyImage(filename=filename, url=data)
    if kind is None:
        return _image_from_text(data, filename=filename, index=index)
    raise PermanentError(f"output image {index} has unknown type {kind!r}")


def _image_from_text(text: str, *, filename: str | None, index: int) -> ComfyImage:
    if text.startswith("http"):
        return ComfyImage(filename=filename, url=text)
    return ComfyImage(filename=filename, data=_decode(text, index))


def _decode(text: str, index: int) -> bytes:
    payload = text.split(",", 1)[1] if text.startswith("data:") else text
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PermanentError(f"output image {index} is neither a URL nor valid base64") from exc


def _legacy_error(output: dict[str, object]) -> str:
    message = output.get("message") or "worker reported an error"
    details = output.get("details")
    if isinstance(details, list) and details:
        return f"{message}: " + "; ".join(str(detail) for detail in details)
    return str(message)


def _excerpt(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."
