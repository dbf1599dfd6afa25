"""Seeded random streams. Never the global `random` module, never the clock.

Every part of the world draws from its own stream, derived from the seed and a name
(e.g. `derive(seed, "stripe", "customer", 17)`), so changing one part does not shift the others.
String seeds are hashed with SHA-512 by `random.Random`, which is stable across runs and
independent of PYTHONHASHSEED.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def derive(seed: int, *parts: object) -> random.Random:
    """A new independent stream for `(seed, *parts)`."""
    return random.Random(":".join([str(seed), *map(str, parts)]))


def weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    """Pick one value of `(value, weight)` pairs."""
    total = sum(weight for _, weight in options)
    point = rng.random() * total
    for value, weight in options:
        point -= weight
        if point < 0:
            return value
    return options[-1][0]


def chance(rng: random.Random, probability: float) -> bool:
    """True with the given probability."""
    return rng.random() < probability
