"""The Zendesk view: organizations, users, tickets and ticket comments (Support API shapes).

`build_zendesk` returns a :class:`ZendeskView`; field lists are in :mod:`acme_world.zendesk.fields`.

Identifier chaos: organizations synced from Salesforce with an `external_id` that is usually the
account id, sometimes 15 characters, missing, another company's or a duplicate account's (and
stale when Salesforce merged the account away); organizations created by hand (duplicates, no
domain, named after the domain); one person as several end-users (work email, free-mail,
phone caller without email, chat visitor); end-users without an organization; names taken from
the email's local part.
"""

from acme_world.zendesk.fields import FIELDS, RESOURCES
from acme_world.zendesk.records import OrgPlan, TicketPlan, UserPlan
from acme_world.zendesk.view import ZendeskView, build_zendesk

__all__ = ["FIELDS", "RESOURCES", "OrgPlan", "TicketPlan", "UserPlan", "ZendeskView", "build_zendesk"]
