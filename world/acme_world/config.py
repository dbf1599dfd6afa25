"""World configuration: the only input of the generator."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

COMPANIES_AT_SCALE_1 = 20_000


def floor_to_hour(moment: datetime) -> datetime:
    """Return `moment` in UTC with minutes, seconds and microseconds cleared."""
    return normalise_utc(moment).replace(minute=0, second=0)


def normalise_utc(moment: datetime) -> datetime:
    """Return an aware UTC datetime with whole seconds; naive input is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class WorldConfig:
    """How to build a world. The same config always yields the same world.

    `anchor` is "now" for the world: history runs `history_months` up to it and changes keep
    happening for `future_hours` after it. `None` means the current UTC time floored to the hour
    (resolved once, by :func:`acme_world.build_world`; pass an explicit anchor for reproducibility).

    `health_score_after_hours` switches on a schema drift for tests: from `anchor` plus that many
    hours (may be negative) Salesforce Accounts carry the new custom field `Health_Score__c`.
    `None` (the default) means never; the rest of the world does not depend on it.
    """

    seed: int = 42
    scale: float = 0.01
    anchor: datetime | None = field(default=None)
    history_months: int = 24
    future_hours: int = 48
    health_score_after_hours: int | None = None

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"scale must be > 0, got {self.scale}")
        if self.history_months < 1:
            raise ValueError(f"history_months must be >= 1, got {self.history_months}")
        if self.future_hours < 0:
            raise ValueError(f"future_hours must be >= 0, got {self.future_hours}")
        drift = self.health_score_after_hours
        if drift is not None and not -24 * 28 * self.history_months < drift <= self.future_hours:
            raise ValueError(f"health_score_after_hours must fall inside the history or the future hours, got {drift}")

    @property
    def n_companies(self) -> int:
        """Number of companies: 20,000 at scale 1.0, at least 1."""
        return max(1, round(COMPANIES_AT_SCALE_1 * self.scale))

    def resolved(self) -> WorldConfig:
        """This config with `anchor` resolved to an aware UTC datetime with whole seconds."""
        anchor = floor_to_hour(datetime.now(UTC)) if self.anchor is None else normalise_utc(self.anchor)
        return replace(self, anchor=anchor)

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly view (anchor as ISO 8601)."""
        return {
            "seed": self.seed,
            "scale": self.scale,
            "anchor": None if self.anchor is None else self.anchor.isoformat(),
            "history_months": self.history_months,
            "future_hours": self.future_hours,
            "health_score_after_hours": self.health_score_after_hours,
        }
