"""A style grid's tiles: cutting the grid up, and which tiles the vision model says to keep."""

import json

from PIL import Image

FALLBACK_TILES = (0, 2, 4, 6, 8)  # the corners and the centre: the tiles least often alike

VISION_PROMPT = (
    "This image is a 3x3 grid of nine tiles, numbered 1 to 9 in reading order: 1-3 across the "
    "top row, 4-6 across the middle, 7-9 across the bottom. Which tiles are worth keeping as "
    "separate training images? Keep a tile only when it shows its own distinct subject, is not "
    "a near-duplicate of another tile (of two near-duplicates keep just the better one), and is "
    "a complete, clean image: nothing cut off at its edges, no borders, no text or numbers, no "
    "pieces of a neighbouring tile. Put the numbers of the tiles to keep in unique_tiles and "
    "say briefly why in reason."
)

# Strict structured output: every property required and no others allowed.
UNIQUE_TILES_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "unique_tiles": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": 9},
        },
        "reason": {"type": "string"},
    },
    "required": ["unique_tiles", "reason"],
    "additionalProperties": False,
}


def split_grid(image: Image.Image, rows: int = 3, cols: int = 3) -> list[Image.Image]:
    """The grid's tiles in reading order, covering every pixel exactly once at any image size."""
    width, height = image.size
    if not (1 <= cols <= width and 1 <= rows <= height):
        raise ValueError(f"a {width}x{height} image cannot be cut into {rows}x{cols} tiles")
    return [
        image.crop(
            (
                col * width // cols,
                row * height // rows,
                (col + 1) * width // cols,
                (row + 1) * height // rows,
            )
        )
        for row in range(rows)
        for col in range(cols)
    ]


def unique_tiles(answer: str | None, *, tiles: int = 9) -> list[int] | None:
    """The 0-based tiles the vision answer keeps, or None when it names no usable tile."""
    try:
        parsed = json.loads(answer) if answer else None
    except json.JSONDecodeError:
        return None
    numbers = parsed.get("unique_tiles") if isinstance(parsed, dict) else None
    if not isinstance(numbers, list):
        return None
    # bool is an int to Python but never a tile number.
    kept = {
        number - 1
        for number in numbers
        if isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= tiles
    }
    return sorted(kept) or None


def choose_tiles(answer: str | None, quota: int) -> tuple[list[int], bool]:
    """Up to `quota` tiles to keep, and whether they are the fallback for an unusable answer."""
    kept = unique_tiles(answer)
    if kept is None:
        return list(FALLBACK_TILES[:quota]), True
    return kept[:quota], False
