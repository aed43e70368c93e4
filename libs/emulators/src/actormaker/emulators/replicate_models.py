"""The official models the Replicate emulator runs, rendered with Pillow.

flux-kontext-pro restyles its input (or a sketch of the prompt) at the requested aspect ratio;
a prompt asking for a grid (it says "grid", or "3x3" with an x or a multiplication sign) gets a
3x3 sheet of nine distinct tiles. image-upscale resizes by its factor.
"""

import hashlib
import random
import re
from dataclasses import dataclass

from PIL import Image, ImageDraw

from actormaker.emulators.grids import GridRequest, render_grid
from actormaker.emulators.images import ImageFormat, decode_image, encode_image
from actormaker.emulators.replicate_schemas import KontextInput, OutputFormat, UpscaleInput
from actormaker.emulators.restyle import prompt_tint, restyle_image

ModelInput = KontextInput | UpscaleInput

# \u00d7 is the multiplication sign.
_GRID_PROMPT = re.compile(r"3\s*[x\u00d7]\s*3|grid", re.IGNORECASE)
_KONTEXT_DENOISE = 0.85
_SKETCH_SIDE = 512
_SKETCH_SHAPES = 6
_UPSCALE_FACTORS = {"None": 1, "2x": 2, "4x": 4, "6x": 6}
_FORMATS: dict[OutputFormat, ImageFormat] = {"png": "PNG", "jpg": "JPEG"}


@dataclass(frozen=True, kw_only=True)
class OfficialModel:
    name: str
    input_type: type[KontextInput] | type[UpscaleInput]

    @property
    def version(self) -> str:
        """A stable 64-hex version id, as `owner/name:<version>` refers to it."""
        return hashlib.sha256(self.name.encode()).hexdigest()


MODELS = {
    model.name: model
    for model in (
        OfficialModel(name="black-forest-labs/flux-kontext-pro", input_type=KontextInput),
        OfficialModel(name="topazlabs/image-upscale", input_type=UpscaleInput),
    )
}


@dataclass(frozen=True, kw_only=True)
class RenderOptions:
    long_side: int
    duplicate_tiles: int


@dataclass(frozen=True)
class Rendered:
    data: bytes
    extension: OutputFormat
    logs: str

    @property
    def media_type(self) -> str:
        return "image/png" if self.extension == "png" else "image/jpeg"


def model_for_version(version: str) -> OfficialModel | None:
    """The model `version` names: `owner/name`, `owner/name:<hex>` or a bare `<hex>`."""
    name, _, version_id = version.partition(":")
    if "/" not in name:
        name, version_id = "", name
    if not (name or version_id):
        return None
    for model in MODELS.values():
        if (not name or model.name == name) and (not version_id or model.version == version_id):
            return model
    return None


def render(request: ModelInput, source: bytes | None, options: RenderOptions) -> Rendered:
    """Run the model on its validated input and the image its input refers to."""
    if isinstance(request, KontextInput):
        return _kontext(request, source, options)
    assert source is not None, "image-upscale requires its image"
    return _upscale(request, source)


def _is_grid_prompt(prompt: str) -> bool:
    return _GRID_PROMPT.search(prompt) is not None


def _output_size(
    aspect_ratio: str, source_size: tuple[int, int] | None, long_side: int
) -> tuple[int, int]:
    """The size of an output with this aspect ratio (or the source's) and long side."""
    if aspect_ratio == "match_input_image":
        width, height = source_size or (1, 1)
    else:
        width, height = (int(part) for part in aspect_ratio.split(":"))
    if width >= height:
        return long_side, max(round(long_side * height / width), 1)
    return max(round(long_side * width / height), 1), long_side


def _kontext(request: KontextInput, source: bytes | None, options: RenderOptions) -> Rendered:
    seed = request.seed if request.seed is not None else _prompt_seed(request.prompt)
    picture = decode_image(source) if source is not None else _sketch(request.prompt, seed)
    size = _output_size(
        request.aspect_ratio, picture.size if source is not None else None, options.long_side
    )
    if _is_grid_prompt(request.prompt):
        grid = GridRequest(
            source=picture,
            prompt=request.prompt,
            seed=seed,
            size=size,
            duplicates=options.duplicate_tiles,
        )
        result = render_grid(grid)
    else:
        result = restyle_image(
            picture, size=size, prompt=request.prompt, denoise=_KONTEXT_DENOISE, seed=seed
        )
    data = encode_image(result, _FORMATS[request.output_format])
    return Rendered(data, request.output_format, f"Using seed: {seed}\n")


def _upscale(request: UpscaleInput, source: bytes) -> Rendered:
    picture = decode_image(source)
    factor = _UPSCALE_FACTORS[request.upscale_factor]
    size = (picture.width * factor, picture.height * factor)
    result = picture.resize(size, Image.Resampling.LANCZOS)
    data = encode_image(result, _FORMATS[request.output_format])
    return Rendered(
        data, request.output_format, f"Upscaling {factor}x with {request.enhance_model}\n"
    )


def _prompt_seed(prompt: str) -> int:
    return int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:4], "big")


def _sketch(prompt: str, seed: int) -> Image.Image:
    """A picture to start from when there is no input image: shapes in the prompt's colour."""
    rng = random.Random(f"{seed}:{prompt}")
    tint = prompt_tint(prompt)
    picture = Image.new("RGB", (_SKETCH_SIDE, _SKETCH_SIDE), tuple(c // 3 for c in tint))
    draw = ImageDraw.Draw(picture)
    for _ in range(_SKETCH_SHAPES):
        left, top = rng.randrange(_SKETCH_SIDE), rng.randrange(_SKETCH_SIDE)
        extent = rng.randrange(_SKETCH_SIDE // 8, _SKETCH_SIDE // 2)
        shade = tuple(min(255, c + rng.randrange(0, 120)) for c in tint)
        draw.ellipse((left, top, left + extent, top + extent), fill=shade)
    return picture
