"""Child streams: rows embedded in a parent object as a Stripe list (``items``, ``lines``).

The parent's list response embeds the first rows with ``has_more``; the rest are read from the
list's ``url`` (``/v1/subscription_items?subscription=…``, ``/v1/invoices/{id}/lines``).
Rows are emitted whenever their parent is (new, changed, or every parent in a full read).
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Iterator

from .client import StripeStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from .incremental import StripeObjectStream

Record = dict[str, t.Any]


class EmbeddedListStream(StripeStream):
    """Rows of one embedded list of the parent stream's objects."""

    primary_keys = ("id",)
    #: Name of the embedded list on the parent object (``items``, ``lines``).
    embedded_field: t.ClassVar[str]
    #: Property naming the parent id on each row (added when the API leaves it out).
    parent_key: t.ClassVar[str]

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the stream; its state is not partitioned by parent."""
        super().__init__(*args, **kwargs)
        self.state_partitioning_keys = []

    @property
    def parent(self) -> StripeObjectStream:
        """The parent stream instance of this tap."""
        assert self.parent_stream_type is not None
        return t.cast("StripeObjectStream", self._tap.streams[self.parent_stream_type.name])

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """The parent's embedded rows, then any further pages, each with the parent id."""
        if not context:
            return
        parent_id = str(context[self.parent_key])
        for row in self.rows(self.parent.embedded.get(self.embedded_field) or {}):
            if not row.get(self.parent_key):
                row = {**row, self.parent_key: parent_id}
            yield row

    def rows(self, embedded: dict[str, t.Any]) -> Iterator[Record]:
        """Rows of an embedded Stripe list, following ``has_more`` through its ``url``."""
        data: list[Record] = list(embedded.get("data") or [])
        yield from data
        if embedded.get("has_more") and data and embedded.get("url"):
            yield from self.iter_list(str(embedded["url"]), {"starting_after": data[-1]["id"]})
