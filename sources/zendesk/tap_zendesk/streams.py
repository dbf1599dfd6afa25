"""Zendesk streams. Each declares its personal-data properties in ``pii_properties``."""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Iterator

from singer_sdk.schema.source import StreamSchema

from .client import SCHEMAS, ZendeskStream
from .comments import TicketCommentsBase
from .exports import CursorExportStream, TimeExportStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

Record = dict[str, t.Any]
DELETED_AT = "_sdc_deleted_at"


class OrganizationsStream(TimeExportStream):
    """Organizations (time-based export); ``deleted_at`` set → ``_sdc_deleted_at``."""

    name = "organizations"
    path = "/incremental/organizations.json"
    export_key = "organizations"
    schema = StreamSchema(SCHEMAS)
    pii_properties = ("details", "notes")

    def shape(self, item: Record) -> Record:
        """Deleted organizations are flagged for bronze."""
        if item.get("deleted_at"):
            return {**item, DELETED_AT: item["deleted_at"]}
        return item


class UsersStream(CursorExportStream):
    """End users and agents (cursor-based export). Deactivated users are ``active: false``, not deletions."""

    name = "users"
    path = "/incremental/users/cursor.json"
    export_key = "users"
    schema = StreamSchema(SCHEMAS)
    pii_properties = ("name", "email", "phone", "alias", "signature", "details", "notes", "photo", "user_fields")


class TicketsStream(CursorExportStream):
    """Tickets (cursor-based export, in ``generated_timestamp`` order); ``status: deleted`` → ``_sdc_deleted_at``."""

    name = "tickets"
    path = "/incremental/tickets/cursor.json"
    export_key = "tickets"
    replication_key = "generated_timestamp"
    schema = StreamSchema(SCHEMAS)
    pii_properties = ("subject", "raw_subject", "description", "recipient", "via", "satisfaction_rating")

    @property
    def comments(self) -> TicketCommentsBase | None:
        """The comments stream when it is synced."""
        child = self._tap.streams.get("ticket_comments")
        if isinstance(child, TicketCommentsBase) and (child.selected or child.has_selected_descendents):
            return child
        return None

    @staticmethod
    def is_deleted(item: Record) -> bool:
        """Zendesk exports a deleted ticket with ``status: deleted``."""
        return item.get("status") == "deleted"

    def shape(self, item: Record) -> Record:
        """Deleted tickets are flagged for bronze (deletion time: their last ``updated_at``)."""
        if self.is_deleted(item):
            return {**item, DELETED_AT: item.get("updated_at")}
        return item

    def on_page(self, items: list[Record]) -> None:
        """Start fetching the comments of the page's live tickets."""
        if (comments := self.comments) is not None:
            comments.prefetch(int(item["id"]) for item in items if not self.is_deleted(item))

    def get_records(self, context: Context | None) -> Iterable[Record]:
        """The export; the comment fetchers stop with it."""
        try:
            yield from super().get_records(context)
        finally:
            if (comments := self.comments) is not None:
                comments.close()

    def generate_child_contexts(self, record: Record, context: Context | None) -> Iterator[Context]:
        """One context per live ticket (deleted tickets have no comments to read)."""
        if not self.is_deleted(record):
            yield {"ticket_id": int(record["id"])}


class TicketCommentsStream(TicketCommentsBase):
    """Comments of each live ticket emitted by ``tickets`` (its child stream)."""

    name = "ticket_comments"
    parent_stream_type = TicketsStream
    schema = StreamSchema(SCHEMAS)
    pii_properties = ("body", "html_body", "plain_body", "via", "attachments", "metadata")


STREAMS: list[type[ZendeskStream]] = [OrganizationsStream, UsersStream, TicketsStream, TicketCommentsStream]
