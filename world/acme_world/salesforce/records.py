"""The Salesforce view's internal records: current field values plus who the record truly is.

The simulator mutates these; the ground truth reads `company_id`, `person_id`, `created` and the
delete history directly (never the emitted JSON).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from acme_world.model import Body


@dataclass(slots=True)
class SfRecord:
    """One Salesforce record (Account, Contact, Opportunity or User).

    `created` is when it first appears in the API (its first version); `CreatedDate` can be
    earlier for records imported with their original audit fields. `deletions` holds
    `(at, IsDeleted)` changes (delete, undelete). `chaos` names the identifier chaos applied to
    it (e.g. `duplicate`, `stale_name`, `link_wrong`), for tests and the catalogue.
    """

    resource: str
    id: str
    company_id: str | None
    person_id: str | None
    created: int
    fields: dict[str, Any]
    attributes: Body
    deletions: list[tuple[int, bool]] = field(default_factory=list)
    chaos: set[str] = field(default_factory=set)
    children: list[str] = field(default_factory=list)  # an account's contacts and opportunities

    @property
    def is_deleted(self) -> bool:
        """`IsDeleted` now (Users have no such field and are never deleted)."""
        return bool(self.fields.get("IsDeleted", False))

    def deleted_at(self, at: int) -> bool:
        """Whether the record was in the recycle bin at `at`."""
        index = bisect.bisect_right([t for t, _ in self.deletions], at) - 1
        return index >= 0 and self.deletions[index][1]
