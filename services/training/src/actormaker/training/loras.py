"""The trained LoRA, checked and kept under its version's canonical name in our storage.

Providers forget results (RunPod after 30 minutes, Replicate after an hour), so the file is
copied at once. It must be a readable `.safetensors` file: a trainer that uploads a truncated or
empty file fails the run here, not later when someone loads it.
"""

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass

from actormaker.common.errors import PermanentError
from actormaker.common.schemas.training import TrainedLora, TrainLora
from actormaker.common.storage import Storage

_HEADER_LENGTH_BYTES = 8
_MAX_HEADER_BYTES = 100 * 1024 * 1024  # what the safetensors library itself accepts


class InvalidLora(PermanentError):
    """What the trainer delivered is not a LoRA we can keep."""


def tensor_count(data: bytes) -> int:
    """How many tensors a `.safetensors` file holds, after checking that its layout is sound."""
    if len(data) < _HEADER_LENGTH_BYTES:
        raise InvalidLora(f"the LoRA file has {len(data)} bytes: too short for safetensors")
    length = int.from_bytes(data[:_HEADER_LENGTH_BYTES], "little")
    body = len(data) - _HEADER_LENGTH_BYTES - length
    if length > _MAX_HEADER_BYTES or body < 0:
        raise InvalidLora(f"the LoRA file's header length {length} does not fit the file")
    try:
        header = json.loads(data[_HEADER_LENGTH_BYTES : _HEADER_LENGTH_BYTES + length])
    except ValueError as error:
        raise InvalidLora(f"the LoRA file's header is not JSON: {error}") from error
    if not isinstance(header, dict):
        raise InvalidLora("the LoRA file's header is not a JSON object")
    tensors = {name: info for name, info in header.items() if name != "__metadata__"}
    for name, info in tensors.items():
        offsets = info.get("data_offsets") if isinstance(info, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and 0 <= offsets[0] <= offsets[1]):
            raise InvalidLora(f"tensor {name!r} in the LoRA file has no valid data_offsets")
        if offsets[1] > body:
            raise InvalidLora(f"tensor {name!r} lies past the end of the LoRA file (truncated?)")
    if not tensors:
        raise InvalidLora("the LoRA file holds no tensors")
    return len(tensors)


def lora_from_tar(data: bytes, *, what: str) -> bytes:
    """The `lora.safetensors` inside a trainer's weights tar (Replicate's output)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for member in archive.getmembers():
                if member.isfile() and member.name.rsplit("/", 1)[-1] == "lora.safetensors":
                    extracted = archive.extractfile(member)
                    if extracted is not None:
                        return extracted.read()
    except tarfile.TarError as error:
        raise InvalidLora(f"{what} is not a readable tar: {error}") from error
    raise InvalidLora(f"{what} holds no lora.safetensors")


@dataclass(frozen=True, kw_only=True)
class LoraKeeper:
    storage: Storage
    max_bytes: int

    async def keep(
        self, command: TrainLora, data: bytes, *, provider_job_id: str, provider_url: str | None
    ) -> TrainedLora:
        """Check the file, write it to the version's key, and say what was kept."""
        if len(data) > self.max_bytes:
            raise InvalidLora(f"the LoRA file has {len(data)} bytes, over {self.max_bytes}")
        tensors = tensor_count(data)
        await self.storage.write(command.lora_key, data, content_type="application/octet-stream")
        return TrainedLora(
            lora_key=command.lora_key,
            lora_name=command.lora_key.rsplit("/", 1)[-1],
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            tensors=tensors,
            provider_url=provider_url,
            provider_job_id=provider_job_id,
        )
