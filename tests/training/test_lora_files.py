"""What the trainer delivers is checked before it is kept: a real safetensors file, or a failure."""

import io
import tarfile

import numpy as np
import pytest
from safetensors.numpy import save

from actormaker.training.loras import InvalidLora, lora_from_tar, tensor_count


def lora_bytes(dim: int = 4) -> bytes:
    tensors = {
        "lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight": np.zeros((dim, 32), np.float16),
        "lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight": np.zeros((96, dim), np.float16),
        "lora_unet_double_blocks_0_img_attn_qkv.alpha": np.array(dim, np.float16),
    }
    return save(tensors, metadata={"ss_network_dim": str(dim)})


def test_a_lora_written_by_the_safetensors_library_is_counted() -> None:
    assert tensor_count(lora_bytes()) == 3


@pytest.mark.parametrize(
    ("damage", "complaint"),
    [
        (lambda data: data[:-10], "past the end"),
        (lambda data: data[:5], "too short"),
        (lambda data: b"\xff" * 8 + data[8:], "does not fit"),
        (lambda data: data[:8] + b"x" + data[9:], "not JSON"),
        (lambda _: b"\x02\x00\x00\x00\x00\x00\x00\x00{}", "no tensors"),
    ],
)
def test_a_damaged_file_is_refused_saying_how(damage: object, complaint: str) -> None:
    with pytest.raises(InvalidLora, match=complaint):
        tensor_count(damage(lora_bytes()))  # type: ignore[operator]


def test_the_lora_is_taken_out_of_replicates_weights_tar() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = lora_bytes()
        member = tarfile.TarInfo("output/flux_train_replicate/lora.safetensors")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    assert lora_from_tar(buffer.getvalue(), what="weights") == data
    with pytest.raises(InvalidLora, match="not a readable tar"):
        lora_from_tar(b"not a tar at all" * 100, what="weights")
