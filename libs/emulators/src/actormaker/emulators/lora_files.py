"""A small, valid kohya-style Flux LoRA in the safetensors format, written without torch.

The format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
shape and byte range (plus `__metadata__` strings), then the tensors' bytes back to back.
"""

import json
import struct

# (module, in features, out features): two attention projections of the first double block,
# named as kohya names Flux LoRA modules. Enough to be a real LoRA, small enough for tests.
MODULES = (
    ("lora_unet_double_blocks_0_img_attn_proj", 3072, 3072),
    ("lora_unet_double_blocks_0_txt_attn_proj", 3072, 3072),
)
_DTYPES = {"bf16": "BF16", "fp16": "F16", "fp32": "F32"}
_SIZES = {"BF16": 2, "F16": 2, "F32": 4}


def lora_file(*, dim: int, alpha: float, save_dtype: str, metadata: dict[str, str]) -> bytes:
    """The LoRA as `.safetensors` bytes: lora_down [dim, in], lora_up [out, dim], alpha []."""
    dtype = _DTYPES.get(save_dtype, "BF16")
    tensors: list[tuple[str, list[int], bytes]] = []
    for module, features_in, features_out in MODULES:
        tensors.append((f"{module}.alpha", [], _scalar(alpha, dtype)))
        tensors.append(
            (f"{module}.lora_down.weight", [dim, features_in], _zeros(dim * features_in, dtype))
        )
        tensors.append(
            (f"{module}.lora_up.weight", [features_out, dim], _zeros(features_out * dim, dtype))
        )
    header: dict[str, object] = {"__metadata__": metadata}
    offset = 0
    for name, shape, data in tensors:
        header[name] = {
            "dtype": dtype,
            "shape": shape,
            "data_offsets": [offset, offset + len(data)],
        }
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the library aligns the data to 8 bytes
    return struct.pack("<Q", len(encoded)) + encoded + b"".join(data for _, _, data in tensors)


def _zeros(count: int, dtype: str) -> bytes:
    return bytes(count * _SIZES[dtype])


def _scalar(value: float, dtype: str) -> bytes:
    if dtype == "F32":
        return struct.pack("<f", value)
    if dtype == "F16":
        return struct.pack("<e", value)
    return struct.pack("<f", value)[2:]  # bfloat16: the upper half of a float32
