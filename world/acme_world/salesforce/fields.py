"""Salesforce object shapes: describe-like field lists, picklists and value formats.

Field names, types and picklist values follow the standard objects of the REST API
(version :data:`API_VERSION`); AcmeCloud's org adds a few custom fields (`__c`):

* `Account.Stripe_Customer_Id__c` (Text): the Stripe customer the account bills through.
* `Account.Days_Since_Last_Activity__c` (Formula (Number) `TODAY() - LastActivityDate`):
  recomputed every day **without** a change of `SystemModstamp` or `LastModifiedDate`.
* `Account.Health_Score__c` (Number): only when `WorldConfig.health_score_after_hours` is set,
  from that instant on (schema drift).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

API_VERSION = "v62.0"
RESOURCES: tuple[str, ...] = ("Account", "Contact", "Opportunity", "User")
KEY_PREFIXES = {"Account": "001", "Contact": "003", "Opportunity": "006", "User": "005"}
PROFILE_PREFIX, ROLE_PREFIX = "00e", "00E"

ACCOUNT_TYPES: tuple[str, ...] = (
    "Prospect",
    "Customer - Direct",
    "Customer - Channel",
    "Channel Partner / Reseller",
    "Installation Partner",
    "Technology Partner",
    "Other",
)
ACCOUNT_SOURCES: tuple[str, ...] = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
INDUSTRIES: tuple[str, ...] = (
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Food & Beverage",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Machinery",
    "Manufacturing",
    "Media",
    "Not For Profit",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
    "Other",
)
#: core industry -> standard Industry picklist value
INDUSTRY_MAP: dict[str, str] = {
    "Software": "Technology",
    "Financial Services": "Finance",
    "Healthcare": "Healthcare",
    "Retail": "Retail",
    "E-commerce": "Retail",
    "Media": "Media",
    "Education": "Education",
    "Manufacturing": "Manufacturing",
    "Logistics": "Transportation",
    "Real Estate": "Other",
    "Marketing": "Media",
    "Consulting": "Consulting",
    "Telecommunications": "Telecommunications",
    "Travel": "Hospitality",
    "Energy": "Energy",
    "Nonprofit": "Not For Profit",
    "Gaming": "Entertainment",
    "Insurance": "Insurance",
}

#: the standard sales process: (StageName, default Probability, ForecastCategoryName)
STAGES: tuple[tuple[str, int, str], ...] = (
    ("Prospecting", 10, "Pipeline"),
    ("Qualification", 10, "Pipeline"),
    ("Needs Analysis", 20, "Pipeline"),
    ("Value Proposition", 50, "Pipeline"),
    ("Id. Decision Makers", 60, "Pipeline"),
    ("Perception Analysis", 70, "Pipeline"),
    ("Proposal/Price Quote", 75, "Pipeline"),
    ("Negotiation/Review", 90, "Pipeline"),
    ("Closed Won", 100, "Closed"),
    ("Closed Lost", 0, "Omitted"),
)
OPEN_STAGES: tuple[str, ...] = tuple(stage for stage, _, _ in STAGES[:8])
STAGE_INFO: dict[str, tuple[int, str]] = {stage: (p, f) for stage, p, f in STAGES}
FORECAST_CATEGORY = {
    "Pipeline": "Pipeline",
    "Best Case": "BestCase",
    "Commit": "Forecast",
    "Closed": "Closed",
    "Omitted": "Omitted",
}
OPPORTUNITY_TYPES: tuple[str, ...] = ("New Business", "Renewal", "Expansion")
LEAD_SOURCES: tuple[str, ...] = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a describe result (the commonly used attributes only)."""

    name: str
    type: str
    label: str
    nillable: bool = True
    custom: bool = False
    calculated: bool = False
    reference_to: tuple[str, ...] = ()
    picklist: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        """This field as in `GET /sobjects/<type>/describe` `fields[]` (a subset of attributes)."""
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "nillable": self.nillable,
            "custom": self.custom,
            "calculated": self.calculated,
            "referenceTo": list(self.reference_to),
            "picklistValues": [{"value": v, "label": v, "active": True, "defaultValue": False} for v in self.picklist],
        }


def _ref(name: str, label: str, *targets: str, nillable: bool = True) -> Field:
    return Field(name, "reference", label, nillable=nillable, reference_to=targets)


_AUDIT: tuple[Field, ...] = (
    Field("CreatedDate", "datetime", "Created Date", nillable=False),
    _ref("CreatedById", "Created By ID", "User", nillable=False),
    Field("LastModifiedDate", "datetime", "Last Modified Date", nillable=False),
    _ref("LastModifiedById", "Last Modified By ID", "User", nillable=False),
    Field("SystemModstamp", "datetime", "System Modstamp", nillable=False),
)

ACCOUNT_FIELDS: tuple[Field, ...] = (
    Field("Id", "id", "Account ID", nillable=False),
    Field("IsDeleted", "boolean", "Deleted", nillable=False),
    _ref("MasterRecordId", "Master Record ID", "Account"),
    Field("Name", "string", "Account Name", nillable=False),
    Field("Type", "picklist", "Account Type", picklist=ACCOUNT_TYPES),
    _ref("ParentId", "Parent Account ID", "Account"),
    Field("BillingStreet", "textarea", "Billing Street"),
    Field("BillingCity", "string", "Billing City"),
    Field("BillingState", "string", "Billing State/Province"),
    Field("BillingPostalCode", "string", "Billing Zip/Postal Code"),
    Field("BillingCountry", "string", "Billing Country"),
    Field("Phone", "phone", "Account Phone"),
    Field("Website", "url", "Website"),
    Field("Industry", "picklist", "Industry", picklist=INDUSTRIES),
    Field("AnnualRevenue", "currency", "Annual Revenue"),
    Field("NumberOfEmployees", "int", "Employees"),
    Field("Description", "textarea", "Account Description"),
    _ref("OwnerId", "Owner ID", "User", nillable=False),
    *_AUDIT,
    Field("LastActivityDate", "date", "Last Activity"),
    Field("AccountSource", "picklist", "Account Source", picklist=ACCOUNT_SOURCES),
    Field("Stripe_Customer_Id__c", "string", "Stripe Customer Id", custom=True),
    Field("Days_Since_Last_Activity__c", "double", "Days Since Last Activity", custom=True, calculated=True),
)
HEALTH_SCORE = Field("Health_Score__c", "double", "Health Score", custom=True)

CONTACT_FIELDS: tuple[Field, ...] = (
    Field("Id", "id", "Contact ID", nillable=False),
    Field("IsDeleted", "boolean", "Deleted", nillable=False),
    _ref("MasterRecordId", "Master Record ID", "Contact"),
    _ref("AccountId", "Account ID", "Account"),
    Field("LastName", "string", "Last Name", nillable=False),
    Field("FirstName", "string", "First Name"),
    Field("Salutation", "picklist", "Salutation", picklist=("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")),
    Field("Name", "string", "Full Name", nillable=False),
    Field("MailingCity", "string", "Mailing City"),
    Field("MailingCountry", "string", "Mailing Country"),
    Field("Phone", "phone", "Business Phone"),
    Field("MobilePhone", "phone", "Mobile Phone"),
    Field("Email", "email", "Email"),
    Field("Title", "string", "Title"),
    Field("Department", "string", "Department"),
    Field("LeadSource", "picklist", "Lead Source", picklist=LEAD_SOURCES),
    _ref("OwnerId", "Owner ID", "User", nillable=False),
    Field("HasOptedOutOfEmail", "boolean", "Email Opt Out", nillable=False),
    *_AUDIT,
    Field("LastActivityDate", "date", "Last Activity"),
)

OPPORTUNITY_FIELDS: tuple[Field, ...] = (
    Field("Id", "id", "Opportunity ID", nillable=False),
    Field("IsDeleted", "boolean", "Deleted", nillable=False),
    _ref("AccountId", "Account ID", "Account"),
    Field("Name", "string", "Name", nillable=False),
    Field("Description", "textarea", "Description"),
    Field("StageName", "picklist", "Stage", nillable=False, picklist=tuple(stage for stage, _, _ in STAGES)),
    Field("Amount", "currency", "Amount"),
    Field("Probability", "percent", "Probability (%)"),
    Field("ExpectedRevenue", "currency", "Expected Amount", calculated=True),
    Field("CloseDate", "date", "Close Date", nillable=False),
    Field("Type", "picklist", "Opportunity Type", picklist=OPPORTUNITY_TYPES),
    Field("NextStep", "string", "Next Step"),
    Field("LeadSource", "picklist", "Lead Source", picklist=LEAD_SOURCES),
    Field("IsClosed", "boolean", "Closed", nillable=False, calculated=True),
    Field("IsWon", "boolean", "Won", nillable=False, calculated=True),
    Field(
        "ForecastCategory", "picklist", "Forecast Category", nillable=False, picklist=tuple(FORECAST_CATEGORY.values())
    ),
    Field("ForecastCategoryName", "picklist", "Forecast Category", picklist=tuple(FORECAST_CATEGORY)),
    _ref("OwnerId", "Owner ID", "User", nillable=False),
    *_AUDIT,
    Field("LastActivityDate", "date", "Last Activity"),
    Field("FiscalQuarter", "int", "Fiscal Quarter", calculated=True),
    Field("FiscalYear", "int", "Fiscal Year", calculated=True),
)

USER_FIELDS: tuple[Field, ...] = (
    Field("Id", "id", "User ID", nillable=False),
    Field("Username", "string", "Username", nillable=False),
    Field("LastName", "string", "Last Name", nillable=False),
    Field("FirstName", "string", "First Name"),
    Field("Name", "string", "Full Name", nillable=False),
    Field("CompanyName", "string", "Company Name"),
    Field("Department", "string", "Department"),
    Field("Title", "string", "Title"),
    Field("Email", "email", "Email", nillable=False),
    Field("Alias", "string", "Alias", nillable=False),
    Field("IsActive", "boolean", "Active", nillable=False),
    Field("UserType", "picklist", "User Type", picklist=("Standard",)),
    _ref("ProfileId", "Profile ID", "Profile", nillable=False),
    _ref("UserRoleId", "Role ID", "UserRole"),
    _ref("ManagerId", "Manager ID", "User"),
    Field("TimeZoneSidKey", "picklist", "Time Zone", nillable=False),
    Field("LocaleSidKey", "picklist", "Locale", nillable=False),
    Field("LanguageLocaleKey", "picklist", "Language", nillable=False),
    Field("EmailEncodingKey", "picklist", "Email Encoding", nillable=False),
    *_AUDIT,
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "Account": ACCOUNT_FIELDS,
    "Contact": CONTACT_FIELDS,
    "Opportunity": OPPORTUNITY_FIELDS,
    "User": USER_FIELDS,
}
LABELS = {
    "Account": ("Account", "Accounts"),
    "Contact": ("Contact", "Contacts"),
    "Opportunity": ("Opportunity", "Opportunities"),
    "User": ("User", "Users"),
}


def field_names(resource: str, health_score: bool = False) -> list[str]:
    """API names of `resource`'s fields in describe order (with `Health_Score__c` if asked)."""
    names = [f.name for f in FIELDS[resource]]
    if health_score and resource == "Account":
        names.append(HEALTH_SCORE.name)
    return names


def describe(resource: str, health_score: bool = False) -> dict[str, Any]:
    """A `GET /sobjects/<resource>/describe`-like result (the attributes this world models)."""
    fields = list(FIELDS[resource])
    if health_score and resource == "Account":
        fields.append(HEALTH_SCORE)
    label, plural = LABELS[resource]
    return {
        "name": resource,
        "label": label,
        "labelPlural": plural,
        "keyPrefix": KEY_PREFIXES[resource],
        "custom": False,
        "queryable": True,
        "replicateable": True,
        "deletable": resource != "User",
        "fields": [f.describe() for f in fields],
        "urls": {
            "sobject": f"/services/data/{API_VERSION}/sobjects/{resource}",
            "describe": f"/services/data/{API_VERSION}/sobjects/{resource}/describe",
        },
    }


@lru_cache(maxsize=8192)
def _day(day: int) -> str:
    return datetime.fromtimestamp(day * 86_400, tz=UTC).strftime("%Y-%m-%d")


def sf_datetime(seconds: int) -> str:
    """A Salesforce datetime: `2024-03-01T10:00:00.000+0000` (always whole seconds)."""
    day, rest = divmod(seconds, 86_400)
    return f"{_day(day)}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}.000+0000"


def sf_date(seconds: int) -> str:
    """A Salesforce date (`2024-03-01`) of the UTC day containing `seconds`."""
    return _day(seconds // 86_400)


def record_url(resource: str, record_id: str) -> str:
    """The `attributes.url` of a record."""
    return f"/services/data/{API_VERSION}/sobjects/{resource}/{record_id}"
