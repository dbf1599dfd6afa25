"""The Salesforce view: Accounts, Contacts, Opportunities and Users (REST API shapes).

`build_salesforce` returns a :class:`SalesforceView`; field lists and formats are in
:mod:`acme_world.salesforce.fields`.

Identifier chaos: duplicate accounts (some merged later, the loser deleted with
`MasterRecordId`), names as typed (legal, upper case, trailing blank, suffixes, city), stale names
after a company rename, free-text countries and websites, `Stripe_Customer_Id__c` missing, wrong,
padded, pointing at a duplicate Stripe customer or set on the duplicate account, and mirroring
wrong Stripe metadata; contacts with free-mail, missing or oddly cased emails, duplicate and
generic-mailbox contacts.
"""

from acme_world.salesforce.fields import API_VERSION, FIELDS, RESOURCES, describe
from acme_world.salesforce.records import SfRecord
from acme_world.salesforce.view import SalesforceView, build_salesforce, days_since_last_activity

__all__ = [
    "API_VERSION",
    "FIELDS",
    "RESOURCES",
    "SalesforceView",
    "SfRecord",
    "build_salesforce",
    "days_since_last_activity",
    "describe",
]
