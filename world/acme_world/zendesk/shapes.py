"""Render Zendesk plans as API objects and record every version of them.

Timestamps are ISO 8601 UTC with `Z` (`2024-03-01T10:00:00Z`); every version of an object
bumps its `updated_at`. Constant nested parts (empty lists, `via` of a ticket) are shared by all
bodies: treat bodies as read-only.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from acme_world.model import Body
from acme_world.recorder import VersionLog
from acme_world.timeline import DAY, from_epoch
from acme_world.zendesk import fields as zd
from acme_world.zendesk.records import Comment, OrgPlan, TicketPlan, UserPlan


@lru_cache(maxsize=8192)
def _day(day: int) -> str:
    return from_epoch(day * DAY).strftime("%Y-%m-%d")


def iso(seconds: int) -> str:
    """`2024-03-01T10:00:00Z` (same as :func:`acme_world.timeline.iso`, faster)."""
    day, rest = divmod(seconds, DAY)
    return f"{_day(day)}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}Z"


_EMPTY: list[Any] = []
_NO_SOURCE: Body = {"from": {}, "to": {}, "rel": None}
_WEB_VIA: Body = {"channel": "web", "source": _NO_SOURCE}
_METADATA: Body = {"system": {}, "custom": {}}
_TO_SUPPORT: Body = {"name": "AcmeCloud Support", "address": zd.SUPPORT_ADDRESS}


def organization_body(org: OrgPlan, values: dict[str, Any], at: int) -> Body:
    """An `organization` as of `at`."""
    return {
        "url": f"{zd.BASE_URL}/organizations/{org.id}.json",
        "id": org.id,
        "name": values["name"],
        "shared_tickets": False,
        "shared_comments": False,
        "external_id": values["external_id"],
        "created_at": iso(org.created),
        "updated_at": iso(at),
        "domain_names": values["domain_names"],
        "details": values["details"],
        "notes": values["notes"],
        "group_id": values["group_id"],
        "tags": values["tags"],
        "organization_fields": values["organization_fields"],
        "deleted_at": None if org.deleted_at is None or at < org.deleted_at else iso(org.deleted_at),
    }


def user_body(user: UserPlan, values: dict[str, Any], org: OrgPlan | None, at: int) -> Body:
    """A `user` as of `at`."""
    role = values["role"]
    end_user = role == "end-user"
    group = values["default_group_id"]
    return {
        "id": user.id,
        "url": f"{zd.BASE_URL}/users/{user.id}.json",
        "name": values["name"],
        "email": values["email"],
        "created_at": iso(user.created),
        "updated_at": iso(at),
        "time_zone": values["time_zone"][0],
        "iana_time_zone": values["time_zone"][1],
        "phone": values["phone"],
        "shared_phone_number": None if values["phone"] is None else False,
        "photo": None,
        "locale_id": 1,
        "locale": "en-US",
        "organization_id": None if org is None else org.id,
        "role": role,
        "verified": values["verified"],
        "external_id": values["external_id"],
        "tags": values["tags"],
        "alias": None,
        "active": values["active"],
        "shared": False,
        "shared_agent": False,
        "last_login_at": None,
        "two_factor_auth_enabled": None if end_user else True,
        "signature": values["signature"],
        "details": None,
        "notes": None,
        "role_type": None if end_user else (4 if role == "admin" else 0),
        "custom_role_id": None,
        "moderator": not end_user,
        "ticket_restriction": "requested" if end_user else None,
        "only_private_comments": False,
        "restricted_agent": end_user,
        "suspended": values["suspended"],
        "default_group_id": None if group is None else zd.GROUPS[group],
        "report_csv": role == "admin",
        "user_fields": {},
    }


def ticket_via(ticket: TicketPlan) -> Body:
    """`via` of a ticket (and of its first comment)."""
    channel = ticket.values["channel"]
    requester = ticket.requester
    if channel == "email":
        source: Body = {
            "from": {"address": requester.values["email"], "name": requester.values["name"]},
            "to": _TO_SUPPORT,
            "rel": None,
        }
        return {"channel": "email", "source": source}
    if channel == "voice":
        source = {
            "from": {"phone": requester.values["phone"], "name": requester.values["name"]},
            "to": {"phone": "+1 415 555 0100", "name": "AcmeCloud Support"},
            "rel": "inbound",
        }
        return {"channel": "voice", "source": source}
    if channel == "web":
        return _WEB_VIA
    return {"channel": channel, "source": _NO_SOURCE}


def _custom_fields(ticket: TicketPlan) -> list[Body]:
    values = ticket.values
    return [
        {"id": zd.CATEGORY_FIELD_ID, "value": values["category"]},
        {"id": zd.PRODUCT_AREA_FIELD_ID, "value": values["product_area"]},
        {"id": zd.PLAN_FIELD_ID, "value": values["plan"]},
    ]


def ticket_body(ticket: TicketPlan, state: dict[str, Any], via: Body, custom: list[Body], at: int) -> Body:
    """A `ticket` as of `at` (`state`: status, priority, tags, assignee, group, rating)."""
    values = ticket.values
    status = state["status"]
    assignee: UserPlan | None = state["assignee"]
    due = values["due_at"]
    return {
        "url": f"{zd.BASE_URL}/tickets/{ticket.id}.json",
        "id": ticket.id,
        "external_id": None,
        "via": via,
        "created_at": iso(ticket.created),
        "updated_at": iso(at),
        "generated_timestamp": at,
        "type": values["type"],
        "subject": values["subject"],
        "raw_subject": values["subject"],
        "description": values["description"],
        "priority": state["priority"],
        "status": status,
        "recipient": zd.SUPPORT_ADDRESS if values["channel"] == "email" else None,
        "requester_id": ticket.requester.id,
        "submitter_id": ticket.submitter.id,
        "assignee_id": None if assignee is None else assignee.id,
        "organization_id": None if ticket.org is None else ticket.org.id,
        "group_id": zd.GROUPS[state["group"]],
        "collaborator_ids": _EMPTY,
        "follower_ids": _EMPTY,
        "email_cc_ids": _EMPTY,
        "forum_topic_id": None,
        "problem_id": None,
        "has_incidents": False,
        "is_public": True,
        "due_at": None if due is None else iso(due),
        "tags": state["tags"],
        "custom_fields": custom,
        "satisfaction_rating": state["rating"],
        "sharing_agreement_ids": _EMPTY,
        "custom_status_id": zd.CUSTOM_STATUS_IDS.get(status),
        "fields": custom,
        "followup_ids": _EMPTY,
        "ticket_form_id": zd.TICKET_FORM_ID,
        "brand_id": zd.BRAND_ID,
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
    }


def comment_body(ticket: TicketPlan, comment: Comment, via: Body, at: int) -> Body:
    """A ticket `comment` (with the `ticket_id` it belongs to)."""
    return {
        "id": comment.id,
        "type": "VoiceComment" if via["channel"] == "voice" else "Comment",
        "author_id": comment.author.id,
        "body": comment.body,
        "html_body": f'<div class="zd-comment" dir="auto"><p dir="auto">{html.escape(comment.body)}</p></div>',
        "plain_body": comment.body,
        "public": comment.public,
        "attachments": _EMPTY,
        "audit_id": comment.id - 1,
        "via": via,
        "created_at": iso(at),
        "metadata": _METADATA,
        "ticket_id": ticket.id,
    }


def record_organization(log: VersionLog, org: OrgPlan, end: int) -> None:
    """Every version of an organization up to `end`."""
    values = dict(org.values)
    log.put("organization", str(org.id), org.created, organization_body(org, values, org.created))
    for at, change in org.changes:
        if at > end:
            break
        values.update(change)
        log.put("organization", str(org.id), at, organization_body(org, values, at))
    if org.deleted_at is not None and org.deleted_at <= end:
        log.put("organization", str(org.id), org.deleted_at, organization_body(org, values, org.deleted_at))


def record_user(log: VersionLog, user: UserPlan, end: int) -> None:
    """Every version of a user up to `end`."""
    values = dict(user.values)
    org = user.org
    log.put("user", str(user.id), user.created, user_body(user, values, org, user.created))
    for at, change in user.changes:
        if at > end:
            break
        for key, value in change.items():
            if key == "organization":
                org = value
            else:
                values[key] = value
        log.put("user", str(user.id), at, user_body(user, values, org, at))


def record_ticket(log: VersionLog, ticket: TicketPlan, end: int) -> None:
    """Every version of a ticket and its comments up to `end`."""
    via = ticket_via(ticket)
    custom = _custom_fields(ticket)
    values = ticket.values
    state: dict[str, Any] = {
        "status": "new",
        "priority": values["priority"],
        "tags": values["tags"],
        "assignee": values["assignee"],
        "group": values["group"],
        "rating": {"score": "unoffered"},
    }
    first = True
    for step in ticket.steps:
        at = step.at
        if at > end:
            break
        change = step.changes
        for key in ("status", "priority", "assignee", "group"):
            if key in change:
                state[key] = change[key]
        if change.get("escalate") and "escalated" not in state["tags"]:
            state["tags"] = [*state["tags"], "escalated"]
        if "rating" in change:
            score = change["rating"]
            state["rating"] = (
                {"score": score}
                if score == "offered"
                else {
                    "id": 360_100_000_000 + ticket.id,
                    "score": score,
                    "comment": change.get("rating_comment"),
                    "reason": None,
                }
            )
        log.put("ticket", str(ticket.id), at, ticket_body(ticket, state, via, custom, at))
        if step.comment is not None:
            comment_via = via if first else (_WEB_VIA if step.comment.author.person is None else via)
            log.put("ticket_comment", str(step.comment.id), at, comment_body(ticket, step.comment, comment_via, at))
            first = False
