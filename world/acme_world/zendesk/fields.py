"""Zendesk Support object shapes: top-level fields and constant ids of AcmeCloud's account.

Field names follow the Zendesk Support API (`/api/v2/...`, incremental exports). Ticket comments
carry `ticket_id` in addition to the API's fields, as taps that export them add it (the API
returns comments under `/tickets/{ticket_id}/comments`). A deleted ticket keeps its body with
`status: "deleted"`, as the incremental ticket export shows it; a deleted organization carries
`deleted_at`.
"""

from __future__ import annotations

SUBDOMAIN = "acmecloud"
BASE_URL = f"https://{SUBDOMAIN}.zendesk.com/api/v2"
SUPPORT_ADDRESS = f"support@{SUBDOMAIN}.zendesk.com"
RESOURCES: tuple[str, ...] = ("organization", "user", "ticket", "ticket_comment")

STATUSES: tuple[str, ...] = ("new", "open", "pending", "hold", "solved", "closed", "deleted")
UNSOLVED: frozenset[str] = frozenset({"new", "open", "pending", "hold"})
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
TYPES: tuple[str, ...] = ("question", "incident", "problem", "task")
CHANNELS: tuple[str, ...] = ("email", "web", "chat", "voice", "api")
SCORES: tuple[str, ...] = ("unoffered", "offered", "good", "bad")

BRAND_ID = 360_000_800_001
TICKET_FORM_ID = 360_000_900_001
GROUPS = {"Support": 360_000_700_001, "Tier 2": 360_000_700_002, "Billing": 360_000_700_003}
CUSTOM_STATUS_IDS = {status: 360_000_600_001 + i for i, status in enumerate(STATUSES[:6])}
CATEGORY_FIELD_ID = 360_010_000_001
PRODUCT_AREA_FIELD_ID = 360_010_000_002
PLAN_FIELD_ID = 360_010_000_003

ORGANIZATION_FIELDS: tuple[str, ...] = (
    "url",
    "id",
    "name",
    "shared_tickets",
    "shared_comments",
    "external_id",
    "created_at",
    "updated_at",
    "domain_names",
    "details",
    "notes",
    "group_id",
    "tags",
    "organization_fields",
    "deleted_at",
)
USER_FIELDS: tuple[str, ...] = (
    "id",
    "url",
    "name",
    "email",
    "created_at",
    "updated_at",
    "time_zone",
    "iana_time_zone",
    "phone",
    "shared_phone_number",
    "photo",
    "locale_id",
    "locale",
    "organization_id",
    "role",
    "verified",
    "external_id",
    "tags",
    "alias",
    "active",
    "shared",
    "shared_agent",
    "last_login_at",
    "two_factor_auth_enabled",
    "signature",
    "details",
    "notes",
    "role_type",
    "custom_role_id",
    "moderator",
    "ticket_restriction",
    "only_private_comments",
    "restricted_agent",
    "suspended",
    "default_group_id",
    "report_csv",
    "user_fields",
)
TICKET_FIELDS: tuple[str, ...] = (
    "url",
    "id",
    "external_id",
    "via",
    "created_at",
    "updated_at",
    "generated_timestamp",
    "type",
    "subject",
    "raw_subject",
    "description",
    "priority",
    "status",
    "recipient",
    "requester_id",
    "submitter_id",
    "assignee_id",
    "organization_id",
    "group_id",
    "collaborator_ids",
    "follower_ids",
    "email_cc_ids",
    "forum_topic_id",
    "problem_id",
    "has_incidents",
    "is_public",
    "due_at",
    "tags",
    "custom_fields",
    "satisfaction_rating",
    "sharing_agreement_ids",
    "custom_status_id",
    "fields",
    "followup_ids",
    "ticket_form_id",
    "brand_id",
    "allow_channelback",
    "allow_attachments",
    "from_messaging_channel",
)
TICKET_COMMENT_FIELDS: tuple[str, ...] = (
    "id",
    "type",
    "author_id",
    "body",
    "html_body",
    "plain_body",
    "public",
    "attachments",
    "audit_id",
    "via",
    "created_at",
    "metadata",
    "ticket_id",
)
FIELDS: dict[str, tuple[str, ...]] = {
    "organization": ORGANIZATION_FIELDS,
    "user": USER_FIELDS,
    "ticket": TICKET_FIELDS,
    "ticket_comment": TICKET_COMMENT_FIELDS,
}
