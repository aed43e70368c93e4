"""Cutting a grid into exact tiles, and reading which tiles the vision model says to keep."""

import json
import random
from typing import Any

import pytest
from PIL import Image

from actormaker.datagen.grids import (
    FALLBACK_TILES,
    UNIQUE_TILES_SCHEMA,
    VISION_PROMPT,
    choose_tiles,
    split_grid,
    unique_tiles,
)

SIZES = [
    (3, 3),
    (4, 4),
    (5, 7),
    (17, 11),
    (100, 100),
    (1001, 997),
    (1024, 1024),
    (1536, 1024),
    (1024, 1536),
    (1023, 1025),
]


def noise(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """An image whose every pixel differs from its neighbours, so any seam or overlap shows."""
    channels = len(mode)
    pixels = random.Random(width * 7919 + height).randbytes(width * height * channels)
    return Image.frombytes(mode, (width, height), pixels)


def reassemble(tiles: list[Image.Image], size: tuple[int, int], cols: int) -> Image.Image:
    canvas = Image.new(tiles[0].mode, size)
    y = 0
    for row in range(len(tiles) // cols):
        x = 0
        for tile in tiles[row * cols : (row + 1) * cols]:
            canvas.paste(tile, (x, y))
            x += tile.width
        y += tiles[row * cols].height
    return canvas


def assert_exact(image: Image.Image, rows: int, cols: int) -> None:
    tiles = split_grid(image, rows, cols)

    assert len(tiles) == rows * cols
    assert sum(tile.width * tile.height for tile in tiles) == image.width * image.height
    widths = {tile.width for tile in tiles}
    heights = {tile.height for tile in tiles}
    assert max(widths) - min(widths) <= 1
    assert max(heights) - min(heights) <= 1
    for row in range(rows):
        assert sum(tile.width for tile in tiles[row * cols : (row + 1) * cols]) == image.width
    assert reassemble(tiles, image.size, cols).tobytes() == image.tobytes()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_3x3_split_covers_every_pixel_exactly_once(width: int, height: int) -> None:
    assert_exact(noise(width, height), 3, 3)


@pytest.mark.parametrize(("rows", "cols"), [(1, 1), (2, 5), (4, 3), (3, 1)])
@pytest.mark.parametrize(("width", "height"), [(5, 7), (1001, 997), (640, 480)])
def test_other_grid_shapes_split_exactly(rows: int, cols: int, width: int, height: int) -> None:
    assert_exact(noise(width, height), rows, cols)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_splitting_keeps_the_image_mode(mode: str) -> None:
    image = noise(301, 299, mode)

    assert {tile.mode for tile in split_grid(image)} == {mode}
    assert_exact(image, 3, 3)


def test_every_small_size_splits_exactly() -> None:
    for width in range(3, 40):
        for height in range(3, 40):
            assert_exact(noise(width, height), 3, 3)


def test_tiles_come_in_reading_order() -> None:
    image = Image.new("L", (9, 9))
    for index in range(9):
        image.paste(index, (index % 3 * 3, index // 3 * 3, index % 3 * 3 + 3, index // 3 * 3 + 3))

    assert [tile.getpixel((1, 1)) for tile in split_grid(image)] == list(range(9))


def test_an_image_smaller_than_the_grid_is_refused() -> None:
    with pytest.raises(ValueError, match="2x5"):
        split_grid(noise(2, 5))


def assert_strict(schema: Any) -> None:
    """Every object, however deep, lists all its properties as required and allows no others."""
    if schema.get("type") == "object":
        assert schema["additionalProperties"] is False
        assert sorted(schema["required"]) == sorted(schema["properties"])
        for child in schema["properties"].values():
            assert_strict(child)
    if schema.get("type") == "array":
        assert_strict(schema["items"])


def test_the_answer_schema_is_valid_for_strict_structured_output() -> None:
    assert_strict(UNIQUE_TILES_SCHEMA)
    assert UNIQUE_TILES_SCHEMA["properties"] == {
        "unique_tiles": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 9}},
        "reason": {"type": "string"},
    }
    assert json.loads(json.dumps(UNIQUE_TILES_SCHEMA)) == UNIQUE_TILES_SCHEMA


def test_the_vision_prompt_asks_for_distinct_complete_tiles_by_number() -> None:
    for phrase in ("3x3 grid", "1 to 9", "reading order", "near-duplicate", "unique_tiles"):
        assert phrase in VISION_PROMPT
    assert "complete, clean image" in VISION_PROMPT


def answer(tiles: object, reason: object = "they differ") -> str:
    return json.dumps({"unique_tiles": tiles, "reason": reason})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (answer([1, 3, 9]), [0, 2, 8]),
        (answer([9, 1, 3, 1, 9]), [0, 2, 8]),
        (answer(list(range(1, 10))), list(range(9))),
        (answer([0, 10, -1, 5, 99]), [4]),
        (answer([1.0, "2", True, None, [3], 4]), [3]),
        (json.dumps({"unique_tiles": [2, 7]}), [1, 6]),
        (json.dumps({"unique_tiles": [2], "reason": "x", "extra": 1}), [1]),
    ],
)
def test_a_usable_answer_gives_sorted_distinct_zero_based_tiles(
    text: str, expected: list[int]
) -> None:
    assert unique_tiles(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "Tiles 1, 3 and 9 are unique.",
        '{"unique_tiles": [1, 2]',
        "null",
        "[1, 2, 3]",
        '"1, 2"',
        answer("1, 2"),
        answer({"1": True}),
        answer(None),
        json.dumps({"reason": "none are unique"}),
        answer([]),
        answer([0, 10, 11]),
        answer([True, False]),
    ],
)
def test_an_unusable_answer_gives_none(text: str | None) -> None:
    assert unique_tiles(text) is None


def test_the_tile_count_bounds_the_numbers() -> None:
    assert unique_tiles(answer([1, 4, 5]), tiles=4) == [0, 3]


def test_choose_keeps_the_first_tiles_up_to_the_quota() -> None:
    assert choose_tiles(answer([8, 2, 5, 1]), quota=3) == ([0, 1, 4], False)
    assert choose_tiles(answer([6, 2]), quota=5) == ([1, 5], False)


@pytest.mark.parametrize("text", [None, "sorry, I cannot see the image", answer([]), answer([42])])
def test_choose_falls_back_to_the_corners_and_centre(text: str | None) -> None:
    assert FALLBACK_TILES == (0, 2, 4, 6, 8)
    assert choose_tiles(text, quota=9) == ([0, 2, 4, 6, 8], True)
    assert choose_tiles(text, quota=2) == ([0, 2], True)
