"""The style set's tile subjects, their rotation from grid to grid, and the grid instruction.

A style's grids draw their nine subjects from one pool of 63 without repeating one until the
pool is used up, so a 20-image set shows 20 different subjects.
"""

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

TILE_DESCRIPTIONS: Mapping[str, tuple[str, ...]] = {
    "people & portraits": (
        "a close-up portrait of a weathered old face in this artistic style",
        "a musician playing a cello on a small stage in this artistic style",
        "a child flying a kite on a windy beach in this artistic style",
        "two friends laughing at a cafe table in this artistic style",
        "a dancer caught in mid-leap in this artistic style",
        "a fisherman mending nets on a wooden dock in this artistic style",
        "a crowd crossing a busy street in this artistic style",
        "a chef tasting soup in a steamy kitchen in this artistic style",
        "a reader asleep in an armchair with an open book in this artistic style",
    ),
    "nature & landscapes": (
        "a mountain range at sunrise above a sea of clouds in this artistic style",
        "a waterfall pouring into a rocky pool in this artistic style",
        "rolling desert dunes under a vast sky in this artistic style",
        "a quiet birch forest in autumn in this artistic style",
        "a stormy ocean wave about to break in this artistic style",
        "a meadow of wildflowers beside a winding path in this artistic style",
        "a frozen lake ringed by snowy pines in this artistic style",
        "a volcanic island rising from a calm sea in this artistic style",
        "a tropical beach with leaning palm trees in this artistic style",
    ),
    "objects & still life": (
        "a bowl of fruit on a wooden table in this artistic style",
        "a vintage typewriter with a half-written page in this artistic style",
        "a teapot and two cups on a tray in this artistic style",
        "a stack of old leather-bound books in this artistic style",
        "a vase of sunflowers by a window in this artistic style",
        "an open pocket watch lying on a map in this artistic style",
        "a lit candle beside a glass bottle in this artistic style",
        "a pair of worn boots by a doorway in this artistic style",
        "an acoustic guitar leaning against a chair in this artistic style",
    ),
    "architecture & structures": (
        "a gothic cathedral facade in this artistic style",
        "a lighthouse on a rocky headland in this artistic style",
        "a row of narrow canal houses in this artistic style",
        "a stone bridge arching over a river in this artistic style",
        "a glass skyscraper reaching into the clouds in this artistic style",
        "a ruined castle on a hilltop in this artistic style",
        "a tiered pagoda among blossoming trees in this artistic style",
        "a windmill at the edge of a farm field in this artistic style",
        "a grand library hall lined with tall shelves in this artistic style",
    ),
    "animals & creatures": (
        "a fox curled up asleep in the snow in this artistic style",
        "an owl perched on a mossy branch in this artistic style",
        "a horse galloping across a meadow in this artistic style",
        "a cat stretching on a sunny windowsill in this artistic style",
        "a whale breaching from the sea in this artistic style",
        "a flock of birds taking off from a field in this artistic style",
        "a tiger stalking through tall grass in this artistic style",
        "a dragon coiled around a mountain peak in this artistic style",
        "a butterfly resting on a flower in this artistic style",
    ),
    "transportation & vehicles": (
        "a steam locomotive crossing a viaduct in this artistic style",
        "a sailing ship on the open sea in this artistic style",
        "a vintage car parked on a country road in this artistic style",
        "a hot-air balloon drifting over hills in this artistic style",
        "a bicycle leaning against a lamppost in this artistic style",
        "a propeller plane flying above the clouds in this artistic style",
        "a city tram turning a street corner in this artistic style",
        "a small fishing boat moored in a harbour in this artistic style",
        "a motorcycle on an empty desert highway in this artistic style",
    ),
    "abstract & artistic": (
        "an abstract composition of overlapping circles in this artistic style",
        "swirling currents of wind and water in this artistic style",
        "a geometric arrangement of triangles and lines in this artistic style",
        "an explosion of paint splashes and drips in this artistic style",
        "a mandala of repeating floral shapes in this artistic style",
        "ribbons twisting through empty space in this artistic style",
        "a surreal dreamscape of floating staircases in this artistic style",
        "a pattern of interlocking waves and spirals in this artistic style",
        "light breaking through crystal shards in this artistic style",
    ),
}

ALL_DESCRIPTIONS: tuple[str, ...] = tuple(
    description for descriptions in TILE_DESCRIPTIONS.values() for description in descriptions
)
_KNOWN = frozenset(ALL_DESCRIPTIONS)
GRID_TILES = 9


@dataclass(frozen=True)
class _Draw:
    chosen: list[str]
    used: list[str]
    cycle_completed: bool


class Rotation(BaseModel):
    """A style's place in the pool, persisted between grids: this cycle's subjects so far."""

    used: list[str] = []
    cycles: int = 0

    def next_grid(
        self, count: int = GRID_TILES, *, rng: random.Random
    ) -> tuple[list[str], "Rotation"]:
        draw = _draw(self.used, count, rng)
        return draw.chosen, Rotation(used=draw.used, cycles=self.cycles + draw.cycle_completed)


def _draw(used: Sequence[str], count: int, rng: random.Random) -> _Draw:
    if not 0 <= count <= len(ALL_DESCRIPTIONS):
        raise ValueError(f"a grid takes 0 to {len(ALL_DESCRIPTIONS)} subjects, not {count}")
    # Descriptions from an older pool are dropped here rather than kept forever.
    cycle_so_far = list(dict.fromkeys(description for description in used if description in _KNOWN))
    seen = set(cycle_so_far)
    unused = [description for description in ALL_DESCRIPTIONS if description not in seen]
    if count < len(unused):
        chosen = _spread(unused, count, rng)
        return _Draw(chosen=chosen, used=[*cycle_so_far, *chosen], cycle_completed=False)
    # This grid finishes the cycle; the rest of it opens the next one, without the subjects
    # this grid already has.
    fresh = _spread(cycle_so_far, count - len(unused), rng)
    chosen = [*_spread(unused, len(unused), rng), *fresh]
    return _Draw(chosen=chosen, used=fresh, cycle_completed=True)


def _spread(pool: Sequence[str], count: int, rng: random.Random) -> list[str]:
    """`count` of `pool`, round-robin over the categories, fullest first, random within each."""
    members = set(pool)
    groups = [
        rng.sample(in_pool, len(in_pool))
        for descriptions in TILE_DESCRIPTIONS.values()
        if (in_pool := [description for description in descriptions if description in members])
    ]
    rng.shuffle(groups)
    # Fullest first keeps the categories draining evenly over a cycle; the stable sort keeps
    # the shuffled order among equals.
    groups.sort(key=len, reverse=True)
    chosen: list[str] = []
    while len(chosen) < count:
        for group in groups:
            if group and len(chosen) < count:
                chosen.append(group.pop())
    return chosen


_POSITIONS = (
    "top left",
    "top centre",
    "top right",
    "middle left",
    "centre",
    "middle right",
    "bottom left",
    "bottom centre",
    "bottom right",
)
_FREE_CHOICE = "another subject of your choosing, unlike the others, in this artistic style"


def grid_prompt(descriptions: Sequence[str]) -> str:
    """The flux-kontext-pro instruction for one 3x3 grid of these subjects in reading order."""
    if not 1 <= len(descriptions) <= GRID_TILES:
        raise ValueError(f"a grid has 1 to {GRID_TILES} subjects, not {len(descriptions)}")
    subjects = [*descriptions, *[_FREE_CHOICE] * (GRID_TILES - len(descriptions))]
    tiles = "; ".join(
        f"{number}. {position}: {subject}"
        for number, (position, subject) in enumerate(zip(_POSITIONS, subjects, strict=True), 1)
    )
    return (
        "Make a 3x3 grid of nine separate images, each painted in the artistic style of this "
        "image: the same medium, palette, line or brushwork, texture and lighting. Every tile "
        "shows a single subject as its own full composition, distinct from all the other tiles; "
        "no tile is a crop or copy of this image, and none runs on into its neighbour. The tiles "
        f"in reading order, left to right and top to bottom: {tiles}. No borders, gutters, "
        "frames, labels, numbers or text anywhere; the nine tiles are the same size and meet "
        "edge to edge."
    )
