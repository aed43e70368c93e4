"""Prefixed, coloured output lines, one colour per process."""

import sys
from collections.abc import Callable
from itertools import cycle

_COLOURS = cycle(["36", "35", "33", "32", "34", "31", "96", "95"])
_WIDTH = 9


def prefixed(name: str) -> Callable[[str], None]:
    """A sink that prints each line as `name | line`."""
    colour = next(_COLOURS)
    tty = sys.stdout.isatty()
    label = f"\033[{colour}m{name:>{_WIDTH}} |\033[0m" if tty else f"{name:>{_WIDTH}} |"

    def write(line: str) -> None:
        print(f"{label} {line}", flush=True)

    return write
