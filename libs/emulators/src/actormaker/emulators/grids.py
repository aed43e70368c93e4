"""3x3 contact-sheet grids: drawn for the image model, judged for the vision model.

Every drawn tile carries its own bold 8x8 block pattern over a restyled view of the source, so
average hashes of different tiles lie far apart while exact copies hash the same.
"""

import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps

from actormaker.emulators.restyle import restyle_image

GRID = 3
TILES = GRID * GRID
_HASH_SIDE = 8
_HASH_BITS = _HASH_SIDE * _HASH_SIDE
_MIN_PATTERN_DISTANCE = 20  # bits between any two tiles' patterns; near duplicates are <= 8
_NEAR_DUPLICATE_BITS = 8
_PATTERN_WEIGHT = 0.5
_FRAME = (245, 245, 240)
_POPCOUNT = (24, 40)  # balanced patterns, so the hash's mean sits between their dark and light


@dataclass(frozen=True, kw_only=True)
class GridRequest:
    source: Image.Image
    prompt: str
    seed: int
    size: tuple[int, int]
    duplicates: int = 0  # this many tiles repeat an earlier one exactly


def _grid_size(size: tuple[int, int]) -> tuple[int, int]:
    """`size` cut down to whole tiles, so every tile has the same pixels."""
    width, height = size
    return max(width - width % GRID, GRID), max(height - height % GRID, GRID)


def render_grid(request: GridRequest) -> Image.Image:
    """Nine variations of the source in a 3x3 grid, deterministic for prompt and seed."""
    width, height = _grid_size(request.size)
    tile_size = (width // GRID, height // GRID)
    patterns = _distinct_patterns(random.Random(f"{request.seed}:{request.prompt}"))
    tiles = [
        _tile(request, index=index, pattern=pattern, size=tile_size)
        for index, pattern in enumerate(patterns)
    ]
    for copy, original in _duplicates(request).items():
        tiles[copy] = tiles[original]
    sheet = Image.new("RGB", (width, height))
    for index, tile in enumerate(tiles):
        row, column = divmod(index, GRID)
        sheet.paste(tile, (column * tile_size[0], row * tile_size[1]))
    return sheet


def split_grid(image: Image.Image) -> list[Image.Image]:
    """The nine tiles of a 3x3 grid, left to right, top to bottom, cut by the image's size."""
    width, height = image.size
    return [
        image.crop(
            (
                column * width // GRID,
                row * height // GRID,
                (column + 1) * width // GRID,
                (row + 1) * height // GRID,
            )
        )
        for row in range(GRID)
        for column in range(GRID)
    ]


def average_hash(image: Image.Image) -> int:
    """64 bits: which cells of an 8x8 grayscale thumbnail are brighter than its mean."""
    thumbnail = image.convert("L").resize((_HASH_SIDE, _HASH_SIDE), Image.Resampling.BOX)
    pixels = thumbnail.tobytes()
    mean = sum(pixels) / len(pixels)
    return sum(1 << bit for bit, pixel in enumerate(pixels) if pixel > mean)


def unique_tiles(image: Image.Image) -> list[int]:
    """1-based positions of the tiles that are no near duplicate of an earlier tile."""
    hashes = [average_hash(tile) for tile in split_grid(image)]
    return [
        position
        for position, current in enumerate(hashes, start=1)
        if all(
            _distance(current, earlier) > _NEAR_DUPLICATE_BITS for earlier in hashes[: position - 1]
        )
    ]


def _distance(first: int, second: int) -> int:
    return (first ^ second).bit_count()


def _distinct_patterns(rng: random.Random) -> list[int]:
    patterns: list[int] = []
    while len(patterns) < TILES:
        candidate = rng.getrandbits(_HASH_BITS)
        balanced = _POPCOUNT[0] <= candidate.bit_count() <= _POPCOUNT[1]
        apart = all(_distance(candidate, other) >= _MIN_PATTERN_DISTANCE for other in patterns)
        if balanced and apart:
            patterns.append(candidate)
    return patterns


def _duplicates(request: GridRequest) -> dict[int, int]:
    """Which tile copies which: copies are chosen after tile 1 and copy an earlier original."""
    rng = random.Random(f"{request.seed}:{request.prompt}:duplicates")
    copies = sorted(rng.sample(range(1, TILES), min(request.duplicates, TILES - 1)))
    return {
        copy: rng.choice([index for index in range(copy) if index not in copies]) for copy in copies
    }


def _tile(request: GridRequest, *, index: int, pattern: int, size: tuple[int, int]) -> Image.Image:
    view = _view(request.source, index)
    styled = restyle_image(
        view, size=size, prompt=f"{request.prompt} #{index}", denoise=0.8, seed=request.seed + index
    )
    mask = Image.frombytes(
        "L",
        (_HASH_SIDE, _HASH_SIDE),
        bytes(255 if pattern >> bit & 1 else 0 for bit in range(_HASH_BITS)),
    ).resize(size, Image.Resampling.NEAREST)
    dark = Image.blend(styled, Image.new("RGB", size, "black"), _PATTERN_WEIGHT)
    light = Image.blend(styled, Image.new("RGB", size, "white"), _PATTERN_WEIGHT)
    tile = Image.composite(light, dark, mask)
    # A light frame makes the grid visible, as the gutters of a real contact sheet do.
    frame_width = max(size[0] // 48, 1)
    ImageDraw.Draw(tile).rectangle(
        (0, 0, size[0] - 1, size[1] - 1), outline=_FRAME, width=frame_width
    )
    return tile


def _view(source: Image.Image, index: int) -> Image.Image:
    """A different crop (and every other one mirrored) of the source for each tile, like poses."""
    width, height = source.size
    zoom = 0.7 + 0.1 * (index % 3)
    crop_width, crop_height = max(round(width * zoom), 1), max(round(height * zoom), 1)
    left = (width - crop_width) * (index % 3) // 2
    top = (height - crop_height) * (index // 3) // 2
    view = source.crop((left, top, left + crop_width, top + crop_height))
    return ImageOps.mirror(view) if index % 2 else view
