"""Salesforce streams (objects read with ``queryAll``). Each declares its personal-data properties."""

from __future__ import annotations

from .incremental import SalesforceObjectStream


class AccountsStream(SalesforceObjectStream):
    """Accounts, custom fields included (``Stripe_Customer_Id__c``, formula fields, later drift)."""

    name = "accounts"
    sobject = "Account"
    pii_properties = ("Phone", "BillingStreet", "BillingPostalCode", "Description")


class ContactsStream(SalesforceObjectStream):
    """Contacts (people at customer companies)."""

    name = "contacts"
    sobject = "Contact"
    pii_properties = (
        "Salutation",
        "FirstName",
        "LastName",
        "Name",
        "Email",
        "Phone",
        "MobilePhone",
        "MailingCity",
        "MailingCountry",
        "Title",
        "Department",
    )


class OpportunitiesStream(SalesforceObjectStream):
    """Opportunities; free-text fields may name people."""

    name = "opportunities"
    sobject = "Opportunity"
    pii_properties = ("Description", "NextStep")


class UsersStream(SalesforceObjectStream):
    """Users (AcmeCloud staff and integration users); never deleted, only deactivated."""

    name = "users"
    sobject = "User"
    pii_properties = ("Username", "FirstName", "LastName", "Name", "Email", "Alias", "Title", "Department")


STREAMS: list[type[SalesforceObjectStream]] = [AccountsStream, ContactsStream, OpportunitiesStream, UsersStream]
