"""The unit every source-system view is made of: one version of one object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ObjectVersion:
    """The state of object `id` of kind `resource` from `valid_from` (epoch seconds) on.

    `body` is the object exactly as the source API would return it, or `None` when the object
    was deleted at `valid_from`. Bodies share unchanged nested parts with earlier versions and
    with events: treat them as read-only (copy before modifying).
    """

    resource: str
    id: str
    valid_from: int
    body: Body | None
