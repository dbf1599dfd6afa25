"""The local AcmeCloud world: its settings are pinned on first use so every later run sees the same world."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from acme_world import World, WorldConfig, build_world

from acme_orchestration.paths import data_dir


@dataclass(frozen=True)
class PinnedWorld:
    """Seed, scale and anchor of the local world, plus how far its sandbox clocks have moved."""

    seed: int
    scale: float
    anchor: dt.datetime
    advanced_seconds: int = 0

    @property
    def clock(self) -> dt.datetime:
        """What "now" is for the sandboxes (and for dbt's `as_of` on the embedded default)."""
        return self.anchor + dt.timedelta(seconds=self.advanced_seconds)

    def config(self) -> WorldConfig:
        return WorldConfig(seed=self.seed, scale=self.scale, anchor=self.anchor)


def _file() -> Path:
    return data_dir() / "world" / "world.json"


def pin(seed: int, scale: float, reset: bool = False) -> PinnedWorld:
    """Load the pinned world, or pin a new one anchored at the current hour."""
    path = _file()
    if path.exists() and not reset:
        raw = json.loads(path.read_text())
        pinned = PinnedWorld(
            seed=raw["seed"],
            scale=raw["scale"],
            anchor=dt.datetime.fromisoformat(raw["anchor"]),
            advanced_seconds=raw.get("advanced_seconds", 0),
        )
        if (pinned.seed, pinned.scale) == (seed, scale):
            return pinned
    anchor = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    pinned = PinnedWorld(seed=seed, scale=scale, anchor=anchor)
    save(pinned)
    return pinned


def save(pinned: PinnedWorld) -> None:
    """Persist the pinned world (after the clock moved, for example)."""
    path = _file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "seed": pinned.seed,
                "scale": pinned.scale,
                "anchor": pinned.anchor.isoformat(),
                "advanced_seconds": pinned.advanced_seconds,
            },
            indent=2,
        )
    )


def build(pinned: PinnedWorld) -> World:
    """Generate the world (deterministic for the pinned settings)."""
    return build_world(pinned.config())


def current(seed: int | None = None, scale: float | None = None) -> PinnedWorld:
    """The pinned world; pins one (seed 42, scale 0.01 unless given) when there is none yet.

    Seed or scale given and different from the pinned ones re-pin, as the main job does.
    """
    path = _file()
    if path.exists():
        raw = json.loads(path.read_text())
        return pin(raw["seed"] if seed is None else seed, raw["scale"] if scale is None else scale)
    return pin(42 if seed is None else seed, 0.01 if scale is None else scale)
