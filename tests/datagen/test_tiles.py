"""The style set's tile subjects: the pool, its rotation from grid to grid, and the grid prompt."""

import random

import pytest

from actormaker.datagen.tiles import (
    ALL_DESCRIPTIONS,
    TILE_DESCRIPTIONS,
    Rotation,
    grid_prompt,
)

CATEGORY_OF = {
    description: category
    for category, descriptions in TILE_DESCRIPTIONS.items()
    for description in descriptions
}


def grids(count: int, number: int, seed: int) -> list[list[str]]:
    """`number` consecutive grids, persisting `used` between them as the worker does."""
    rng = random.Random(seed)
    used: list[str] = []
    made = []
    for _ in range(number):
        chosen, rotation = Rotation(used=used).next_grid(count, rng=rng)
        used = rotation.used
        made.append(chosen)
    return made


def test_the_pool_is_seven_categories_of_nine_distinct_subjects() -> None:
    assert set(TILE_DESCRIPTIONS) == {
        "people & portraits",
        "nature & landscapes",
        "objects & still life",
        "architecture & structures",
        "animals & creatures",
        "transportation & vehicles",
        "abstract & artistic",
    }
    assert all(len(descriptions) == 9 for descriptions in TILE_DESCRIPTIONS.values())
    assert len(set(ALL_DESCRIPTIONS)) == len(ALL_DESCRIPTIONS) == 63


def test_every_subject_is_a_short_phrase_in_this_artistic_style() -> None:
    for description in ALL_DESCRIPTIONS:
        assert description.endswith(" in this artistic style")
        assert description == description.strip().lower()
        assert len(description.split()) <= 14
        assert "\n" not in description


@pytest.mark.parametrize("seed", range(5))
def test_ten_grids_repeat_nothing_until_all_63_are_used(seed: int) -> None:
    made = grids(9, 10, seed)
    first_cycle = [description for grid in made[:7] for description in grid]

    assert sorted(first_cycle) == sorted(ALL_DESCRIPTIONS)
    for grid in made:
        assert len(set(grid)) == len(grid) == 9
    later = [description for grid in made[7:] for description in grid]
    assert len(set(later)) == len(later)


@pytest.mark.parametrize("seed", range(5))
def test_each_grid_spreads_over_all_categories(seed: int) -> None:
    for grid in grids(9, 14, seed):
        assert {CATEGORY_OF[description] for description in grid} == set(TILE_DESCRIPTIONS)


@pytest.mark.parametrize(("count", "seed"), [(5, 0), (4, 1), (7, 2), (8, 3), (1, 4)])
def test_uneven_grids_still_use_each_subject_once_per_cycle(count: int, seed: int) -> None:
    stream = [description for grid in grids(count, 63 * 3 // count, seed) for description in grid]

    for start in range(0, len(stream) - 62, 63):
        assert sorted(stream[start : start + 63]) == sorted(ALL_DESCRIPTIONS)


def test_a_grid_across_the_cycle_boundary_has_no_duplicate() -> None:
    rng = random.Random(3)
    used = list(ALL_DESCRIPTIONS[:60])
    left_over = set(ALL_DESCRIPTIONS[60:])

    chosen, rotation = Rotation(used=used).next_grid(9, rng=rng)
    used = rotation.used

    assert len(set(chosen)) == 9
    assert left_over <= set(chosen)
    assert set(used) == set(chosen) - left_over
    assert len(used) == 6
    follow_up, _ = Rotation(used=used).next_grid(9, rng=rng)
    assert not set(follow_up) & set(used)


def test_subjects_from_an_older_pool_and_duplicates_are_ignored() -> None:
    used = ["a unicorn from the old pool in this artistic style", *ALL_DESCRIPTIONS[:10]]
    used += ALL_DESCRIPTIONS[:3]

    chosen, rotation = Rotation(used=used).next_grid(9, rng=random.Random(0))

    assert not set(chosen) & set(ALL_DESCRIPTIONS[:10])
    assert rotation.used == [*ALL_DESCRIPTIONS[:10], *chosen]


def test_the_same_rng_gives_the_same_grids() -> None:
    assert grids(9, 9, seed=11) == grids(9, 9, seed=11)
    assert grids(9, 3, seed=11) != grids(9, 3, seed=12)


def test_a_grid_cannot_take_more_subjects_than_the_pool() -> None:
    with pytest.raises(ValueError, match="64"):
        Rotation().next_grid(64, rng=random.Random(0))


def test_rotation_counts_cycles_and_survives_persistence() -> None:
    rng = random.Random(5)
    rotation = Rotation()
    seen: list[str] = []
    for _ in range(10):
        stored = rotation.model_dump_json()
        chosen, rotation = Rotation.model_validate_json(stored).next_grid(rng=rng)
        seen += chosen

    assert rotation.cycles == 1
    assert sorted(seen[:63]) == sorted(ALL_DESCRIPTIONS)
    assert rotation.used == seen[63:]
    assert Rotation.model_validate_json(rotation.model_dump_json()) == rotation


def test_a_grid_keeps_the_count_of_finished_cycles() -> None:
    _, rotation = Rotation(used=list(ALL_DESCRIPTIONS[5:20]), cycles=2).next_grid(
        9, rng=random.Random(1)
    )

    assert rotation.cycles == 2


def test_the_grid_prompt_asks_for_nine_separate_tiles_in_reading_order() -> None:
    descriptions = list(ALL_DESCRIPTIONS[::7])

    prompt = grid_prompt(descriptions)

    assert "3x3 grid" in prompt
    positions = [prompt.index(f"{number}. ") for number in range(1, 10)]
    assert positions == sorted(positions)
    places = [prompt.index(description) for description in descriptions]
    assert places == sorted(places)
    for demand in ("artistic style of this image", "full composition", "No borders", "text"):
        assert demand in prompt
    assert "\n" not in prompt


def test_a_short_list_leaves_the_remaining_tiles_free() -> None:
    prompt = grid_prompt(ALL_DESCRIPTIONS[:2])

    assert prompt.count("of your choosing") == 7
    assert "9. bottom right:" in prompt


@pytest.mark.parametrize("size", [0, 10])
def test_the_grid_prompt_takes_one_to_nine_subjects(size: int) -> None:
    with pytest.raises(ValueError, match="1 to 9"):
        grid_prompt(ALL_DESCRIPTIONS[:size])
