"""Injected HTTP faults: one seeded draw per request decides between a 429, a 500 and none."""

import random
from typing import Literal

Fault = Literal[429, 500]


def draw_fault(
    rng: random.Random, *, rate_limit_rate: float, server_error_rate: float
) -> Fault | None:
    """An injected 429 with `rate_limit_rate`, a 500 with `server_error_rate`, else None."""
    draw = rng.random()
    if draw < rate_limit_rate:
        return 429
    if draw < rate_limit_rate + server_error_rate:
        return 500
    return None
