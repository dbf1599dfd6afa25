"""Plans AcmeCloud's Zendesk Support account: organizations, users, tickets and their comments.

Zendesk goes live at the start of history. Paying customers get an organization from the nightly
Salesforce sync (its `external_id` the account id, as typed by the sync's configuration), agents
create others by hand when a ticket comes in. People write in by email, web form, chat, phone
or API; every identity they use becomes its own end-user. Tickets run new -> open/pending ->
(escalated, on hold) -> solved -> closed (an automation closes solved tickets after four days at
the full hour, many in the same second); a few are deleted.

Planning is per company with its own random stream; ids are assigned afterwards in creation
order (ticket ids count 1, 2, 3 ... like Zendesk's nice ids).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from acme_world import chaos, vocab
from acme_world.billing import CompanyBilling
from acme_world.core import Company, Core, Person, slug
from acme_world.rng import chance, derive, weighted
from acme_world.salesforce.records import SfRecord
from acme_world.timeline import DAY, HOUR, Timeline, from_epoch
from acme_world.zendesk import texts
from acme_world.zendesk.records import Comment, OrgPlan, Step, TicketPlan, UserPlan

YEAR = 365 * DAY
SYNC_AT = 2 * HOUR + 30 * 60  # the Salesforce -> Zendesk org sync runs at 02:30:00 UTC
CLOSE_AFTER = 4 * DAY  # solved tickets are closed by an hourly automation after four days
ORG_IMPORT_BATCH = 100
_FIRST_RESPONSE = {"low": (4, 48), "normal": (1, 24), "high": (0.5, 8), "urgent": (0.1, 2)}
_ESCALATE = {"low": 0.01, "normal": 0.03, "high": 0.15, "urgent": 0.35}
_REGIONS = {"US": "amer", "CA": "amer", "AU": "apac", "IN": "apac", "SG": "apac"}
_TIME_ZONES = {
    "amer": ("Eastern Time (US & Canada)", "America/New_York"),
    "emea": ("London", "Europe/London"),
    "apac": ("Singapore", "Asia/Singapore"),
}


def account_tier(company: Company) -> str:
    """`organization_fields.account_tier` from the company size."""
    if company.employees > 1000:
        return "enterprise"
    return "mid_market" if company.employees > 50 else "smb"


@dataclass(slots=True)
class Agent:
    """A support agent (an AcmeCloud employee)."""

    user: UserPlan
    hired: int


class ZendeskPlanner:
    """Plans every Zendesk object of a world (ids are assigned by :func:`assign_ids`)."""

    def __init__(
        self,
        seed: int,
        timeline: Timeline,
        core: Core,
        billing: dict[str, CompanyBilling],
        sf_records: dict[str, SfRecord],
    ) -> None:
        self.seed = seed
        self.timeline = timeline
        self.start, self.end = timeline.start, timeline.end
        self.core = core
        self.billing = billing
        self.rng = derive(seed, "zendesk", "account")
        self.orgs: list[OrgPlan] = []
        self.users: list[UserPlan] = []
        self.tickets: list[TicketPlan] = []
        self.agents: list[Agent] = []
        self._org_import = 0
        self.duplicate_accounts: dict[str, str] = {}
        self.contacts: dict[str, str] = {}
        for rec in sf_records.values():
            if rec.resource == "Account" and "duplicate" in rec.chaos and rec.company_id:
                self.duplicate_accounts.setdefault(rec.company_id, rec.id)
            elif rec.resource == "Contact" and rec.person_id is not None and "duplicate" not in rec.chaos:
                self.contacts.setdefault(rec.person_id, rec.id)
        self.account_ids = [c.salesforce_account_id for c in core.companies]

    # -- agents ---------------------------------------------------------------------------------

    def plan_agents(self) -> None:
        rng = self.rng
        count = max(3, round(len(self.core.companies) / 60))
        hires = [self.start] * count + sorted(
            int(rng.uniform(self.start + 30 * DAY, self.end - 5 * DAY)) for _ in range(count // 2)
        )
        used: set[str] = set()
        for index, hired in enumerate(hires):
            first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
            email = f"{slug(first)}.{slug(last)}@acmecloud.com"
            while email in used:
                email = f"{slug(first)}.{slug(last)}{rng.randint(2, 99)}@acmecloud.com"
            used.add(email)
            region = rng.choice(("amer", "emea", "apac"))
            values: dict[str, Any] = {
                "name": f"{first} {last}",
                "email": email,
                "phone": None,
                "role": "admin" if index == 0 else "agent",
                "verified": True,
                "external_id": None,
                "time_zone": _TIME_ZONES[region],
                "default_group_id": "Support",
                "active": True,
                "suspended": False,
                "signature": f"{first}\nAcmeCloud Support",
                "tags": [],
            }
            user = UserPlan(f"agent-{index:04d}", None, None, hired, values, None)
            self.users.append(user)
            self.agents.append(Agent(user, hired))

    def _agent(self, rng: random.Random, at: int) -> UserPlan:
        hired = [a.user for a in self.agents if a.hired <= at]
        return rng.choice(hired)

    # -- organizations --------------------------------------------------------------------------

    def _external_id(self, rng: random.Random, company: Company) -> tuple[str | None, str | None]:
        style = weighted(rng, [("right", 81), ("short", 10), ("missing", 6), ("wrong", 3)])
        if company.id in self.duplicate_accounts and chance(rng, 0.35):
            style = "duplicate_account"  # the sync was pointed at the duplicate account
        account = company.salesforce_account_id
        if style == "short":
            return account[:15], "external_id_short"
        if style == "missing":
            return None, "external_id_missing"
        if style == "wrong":
            other = rng.choice(self.account_ids)
            if other != account:
                return other, "external_id_wrong"
        if style == "duplicate_account" and company.id in self.duplicate_accounts:
            return self.duplicate_accounts[company.id], "external_id_duplicate_account"
        return account, None

    def _org_values(
        self,
        rng: random.Random,
        company: Company,
        at: int,
        name: str,
        external_id: str | None,
        domains: list[str],
        plan: str | None,
    ) -> dict[str, Any]:
        tags = ["customer"] if plan else []
        if plan:
            tags.append(f"plan_{plan}")
        if company.employees > 1000:
            tags.append("vip")
        return {
            "name": name,
            "external_id": external_id,
            "domain_names": domains,
            "details": f"{company.city}, {chaos.COUNTRY_NAMES[company.country]}" if chance(rng, 0.5) else None,
            "notes": None,
            "group_id": None,
            "tags": tags,
            "organization_fields": {
                "account_tier": account_tier(company),
                "plan": plan,
                "region": _REGIONS.get(company.country, "emea"),
            },
        }

    def _synced_org(self, rng: random.Random, company: Company, billing: CompanyBilling) -> OrgPlan | None:
        first = billing.first_start
        if first is None or not chance(rng, 0.78):
            return None
        if company.created.timestamp() < self.start and first < self.start + 15 * DAY:
            # a customer of the legacy billing: imported in bulk when Zendesk goes live
            created = self.start + 2 * HOUR + self._org_import // ORG_IMPORT_BATCH
            self._org_import += 1
        else:
            moment = first + int(rng.uniform(0, DAY))
            created = moment - moment % DAY + SYNC_AT
            if created < moment:
                created += DAY
        if created > self.end:
            return None
        external_id, tag = self._external_id(rng, company)
        name = company.name_at(from_epoch(created))
        if chance(rng, 0.15):
            name = company.legal_name if name == company.name else name
        values = self._org_values(
            rng,
            company,
            created,
            name,
            external_id,
            [company.domain] if chance(rng, 0.85) else [],
            billing.plan_at(created),
        )
        org = OrgPlan(f"{company.id}-synced", company.id, created, values, "synced")
        if tag:
            org.chaos.add(tag)
        return org

    def _manual_org(self, rng: random.Random, company: Company, at: int, synced: OrgPlan | None) -> OrgPlan:
        """An organization an agent creates by hand (a duplicate when a synced one exists; an
        admin deletes 30% of those later, which is decided now so that nobody joins it after)."""
        duplicate = synced is not None
        name = company.name_at(from_epoch(at))
        if duplicate:
            name = chaos.name_variant(rng, name, company.legal_name, company.city, company.domain)
        elif chance(rng, 0.25):
            name = company.domain
        domains = [] if duplicate or chance(rng, 0.3) else [company.domain]
        values = self._org_values(rng, company, at, name, None, domains, None)
        if chance(rng, 0.1):
            values["external_id"] = company.salesforce_account_id[:15]
        org = OrgPlan(f"{company.id}-manual", company.id, at, values, "manual")
        if synced is not None:
            org.chaos.add("duplicate")
            if chance(rng, 0.3):
                deleted = max(at, synced.created) + int(rng.uniform(10, 200) * DAY)
                if deleted <= self.end:
                    org.deleted_at = deleted
        return org

    def _org_life(self, rng: random.Random, company: Company, billing: CompanyBilling, org: OrgPlan) -> None:
        renamed = company.renamed_at
        if renamed is not None:
            renamed_at = int(renamed.timestamp())
            if org.created < renamed_at and chance(rng, 0.5):
                org.changes.append((renamed_at + int(rng.uniform(1, 120) * DAY), {"name": company.name}))
                org.chaos.add("renamed")
            elif org.created < renamed_at <= self.end:
                org.chaos.add("stale_name")
        if org.kind == "synced":
            was_paying = True
            for sub in billing.subscriptions:
                for moment in (sub.start_date, sub.ended_at):
                    if moment is None or moment <= org.created:
                        continue
                    paying = billing.paying_at(moment)
                    if paying != was_paying:
                        at = moment - moment % DAY + DAY + SYNC_AT
                        tags = ["customer", f"plan_{billing.plan_at(moment)}"] if paying else ["churned"]
                        if company.employees > 1000:
                            tags.append("vip")
                        org.changes.append((at, {"tags": tags}))
                        was_paying = paying
        at = org.created
        while True:
            at += int(rng.expovariate(1 / (500 * DAY))) + 1
            if at > self.end:
                break
            org.changes.append(
                (
                    at,
                    {
                        "notes": rng.choice(
                            (
                                "Prefers email over phone.",
                                "Escalate outages to the CSM.",
                                "Uses SSO; admin is the CTO.",
                                "Key account, handle with care.",
                                "Billing questions go to finance.",
                            )
                        )
                    },
                )
            )
        org.changes.sort(key=lambda c: c[0])

    # -- users ----------------------------------------------------------------------------------

    def _user(
        self,
        rng: random.Random,
        company: Company,
        person: Person,
        variant: str,
        at: int,
        orgs: list[OrgPlan],
        users: dict[tuple[str, str], UserPlan],
    ) -> UserPlan:
        key = (person.id, variant)
        if key in users:
            return users[key]
        email: str | None = None
        phone = None
        name = person.name
        tags: set[str] = set()
        if variant == "work":
            email = person.email.lower()
        elif variant == "personal":
            email = person.personal_email.lower()
            tags.add("free_mail")
        elif variant == "phone":
            phone = person.phone
            name = f"Caller {person.phone}"
            tags.add("missing_email")
        else:  # a chat visitor who left only a name
            name = person.first_name if chance(rng, 0.5) else f"Visitor {rng.randint(1000, 99999)}"
            tags.add("missing_email")
        if email is not None:
            style = rng.random()
            if style < 0.08:
                name = email.split("@")[0]
                tags.add("name_from_email")
            elif style < 0.13:
                name = name.lower()
        domain = None if email is None else email.split("@")[1]
        org = next((o for o in orgs if o.live_at(at) and domain in o.values["domain_names"]), None)
        region = _REGIONS.get(company.country, "emea")
        values: dict[str, Any] = {
            "name": name,
            "email": email,
            "phone": phone if phone else (person.phone if chance(rng, 0.2) else None),
            "role": "end-user",
            "verified": email is not None and chance(rng, 0.8),
            "external_id": None,
            "time_zone": _TIME_ZONES[region],
            "default_group_id": None,
            "active": True,
            "suspended": False,
            "signature": None,
            "tags": [],
        }
        user = UserPlan(f"{company.id}-{person.id}-{variant}", person, company.id, at, values, org)
        user.chaos |= tags
        if sum(1 for k in users if k[0] == person.id):
            user.chaos.add("duplicate")
        if org is None:
            user.chaos.add("no_organization")
            later = at + int(rng.uniform(600, 3 * DAY))
            live = [o for o in orgs if o.live_at(later)]
            if live and chance(rng, 0.65):
                target = next((o for o in live if o.kind == "synced"), live[0])
                user.changes.append((later, {"organization": target}))
        contact = self.contacts.get(person.id)
        if contact is not None and variant == "work" and chance(rng, 0.2):
            values["external_id"] = contact
        if variant == "phone" and chance(rng, 0.3):
            user.changes.append((at + int(rng.uniform(HOUR, 20 * DAY)), {"name": person.name}))
        if chance(rng, 0.015):
            user.changes.append((at + int(rng.uniform(30, 400) * DAY), {"active": False}))
            user.chaos.add("deleted")
        user.changes.sort(key=lambda c: c[0])
        users[key] = user
        self.users.append(user)
        return user

    # -- tickets --------------------------------------------------------------------------------

    def plan_company(self, company: Company) -> None:
        rng = derive(self.seed, "zendesk", "company", company.id)
        billing = self.billing[company.id]
        people = self.core.people_by_company[company.id]
        orgs: list[OrgPlan] = []
        synced = self._synced_org(rng, company, billing)
        if synced is not None:
            orgs.append(synced)
        users: dict[tuple[str, str], UserPlan] = {}
        tickets: list[TicketPlan] = []
        rate = (1.6 + 0.55 * len(people)) / YEAR
        at = max(self.start + HOUR, int(company.created.timestamp()))
        manual_decided = False
        while True:
            at += int(rng.expovariate(rate)) + 1
            if at > self.end:
                break
            if not (billing.paying_at(at) or chance(rng, 0.06)):
                continue
            if not manual_decided and not any(o.live_at(at) for o in orgs):
                manual_decided = True
                if chance(rng, 0.55 if synced is None else 0.2):
                    created = at + int(rng.uniform(120, 2 * HOUR))
                    orgs.append(self._manual_org(rng, company, created, synced))
            tickets.append(self._plan_ticket(rng, company, billing, people, at, orgs, users))
        if synced is not None and chance(rng, 0.04) and not any(o.kind == "manual" for o in orgs):
            dup_at = synced.created + int(rng.uniform(10, 400) * DAY)
            if dup_at <= self.end:
                orgs.append(self._manual_org(rng, company, dup_at, synced))
        for org in orgs:
            self._org_life(rng, company, billing, org)
            if org.deleted_at is not None and synced is not None:
                self._delete_org(org, synced, users.values())
        for ticket in tickets:  # members of a deleted organization moved: later tickets follow
            ticket.org = ticket.requester.org_at(ticket.created)
        self.orgs.extend(orgs)

    def _delete_org(self, org: OrgPlan, survivor: OrgPlan, users: Iterable[UserPlan]) -> None:
        """An admin deletes a duplicate organization; its members move to the survivor."""
        assert org.deleted_at is not None
        at = org.deleted_at
        org.chaos.add("deleted")
        org.changes = [change for change in org.changes if change[0] < at]
        for user in users:
            if user.created <= at and user.org_at(at) is org:
                user.changes.append((at, {"organization": survivor}))
                user.changes.sort(key=lambda c: c[0])

    def _variant(self, rng: random.Random, channel: str) -> str:
        if channel == "voice":
            return "phone"
        if channel == "email":
            return weighted(rng, [("work", 82), ("personal", 18)])
        if channel == "web":
            return weighted(rng, [("work", 90), ("personal", 10)])
        if channel == "chat":
            return weighted(rng, [("work", 60), ("personal", 25), ("chat", 15)])
        return "work"

    def _plan_ticket(
        self,
        rng: random.Random,
        company: Company,
        billing: CompanyBilling,
        people: list[Person],
        at: int,
        orgs: list[OrgPlan],
        users: dict[tuple[str, str], UserPlan],
    ) -> TicketPlan:
        category = weighted(rng, list(texts.CATEGORY_WEIGHTS.items()))
        subjects, descriptions, priority_weights = texts.CATEGORIES[category]
        person = people[1] if category == "billing" and len(people) > 1 and chance(rng, 0.6) else rng.choice(people)
        channel = weighted(rng, [("email", 50), ("web", 25), ("chat", 10), ("voice", 6), ("api", 9)])
        requester = self._user(rng, company, person, self._variant(rng, channel), at, orgs, users)
        priority = weighted(rng, list(zip(("low", "normal", "high", "urgent"), priority_weights, strict=True)))
        ticket_type = weighted(rng, list(texts.TYPES_BY_CATEGORY[category]))
        agent = self._agent(rng, at)
        submitter = agent if channel == "voice" else requester
        subject = rng.choice(subjects)
        tags = [category]
        plan = billing.plan_at(at)
        if plan:
            tags.append(f"plan_{plan}")
        if company.employees > 1000:
            tags.append("vip")
        values = {
            "subject": subject,
            "description": rng.choice(descriptions),
            "type": ticket_type,
            "priority": priority,
            "channel": channel,
            "category": category,
            "product_area": rng.choice(texts.PRODUCT_AREAS) if category in ("bug", "outage", "how_to") else None,
            "plan": plan,
            "due_at": at + int(rng.uniform(2, 14) * DAY) if ticket_type == "task" else None,
            "tags": tags,
            "assignee": agent if channel == "voice" else None,
            "group": "Billing" if category == "billing" else "Support",
        }
        ticket = TicketPlan(
            (at, f"{company.id}-{len(self.tickets):07d}"),
            company.id,
            requester,
            submitter,
            requester.org_at(at),
            at,
            values,
        )
        ticket.steps = self._steps(rng, ticket, priority, category, at)
        self._history(ticket)
        self.tickets.append(ticket)
        return ticket

    def _steps(self, rng: random.Random, ticket: TicketPlan, priority: str, category: str, t0: int) -> list[Step]:
        requester = ticket.requester
        steps = [Step(t0, {"status": "new"}, Comment(requester, ticket.values["description"], True))]
        if chance(rng, 0.012):  # a duplicate or spam ticket, deleted by an agent
            steps.append(Step(t0 + int(rng.uniform(600, DAY)), {"status": "deleted"}))
            return steps
        t = t0 + int(rng.uniform(*_FIRST_RESPONSE[priority]) * HOUR)
        agent = ticket.values["assignee"] or self._agent(rng, t)
        steps.append(
            Step(
                t,
                {"status": weighted(rng, [("pending", 55), ("open", 45)]), "assignee": agent},
                Comment(agent, rng.choice(texts.AGENT_REPLIES), True),
            )
        )
        escalated = chance(rng, _ESCALATE[priority] * (1.5 if category == "outage" else 1))
        if escalated:
            t += int(rng.uniform(600, 2 * DAY))
            raised = "urgent" if priority == "urgent" or chance(rng, 0.3) else "high"
            note = rng.choice(texts.ESCALATION_NOTES).format(n=rng.randint(1000, 9999))
            steps.append(
                Step(
                    t,
                    {"status": "open", "priority": raised, "escalate": True, "group": "Tier 2"},
                    Comment(agent, note, False),
                )
            )
            if chance(rng, 0.5):
                t += int(rng.uniform(HOUR, 2 * DAY))
                steps.append(Step(t, {"status": "hold"}, Comment(agent, rng.choice(texts.HOLD_NOTES), False)))
            t += int(rng.uniform(2, 40) * DAY)
            steps.append(
                Step(t, {"status": "open"}, Comment(agent, "Engineering shipped a fix, can you confirm?", True))
            )
        for _ in range(weighted(rng, [(0, 35), (1, 35), (2, 20), (3, 10)])):
            t += int(rng.uniform(HOUR, 3 * DAY))
            steps.append(Step(t, {"status": "open"}, Comment(requester, rng.choice(texts.CUSTOMER_REPLIES), True)))
            t += int(rng.uniform(0.5, 30) * HOUR)
            steps.append(Step(t, {"status": "pending"}, Comment(agent, rng.choice(texts.AGENT_REPLIES), True)))
        t += int(rng.uniform(0.5, 48) * HOUR)
        offered = chance(rng, 0.6)
        steps.append(
            Step(
                t,
                {"status": "solved", **({"rating": "offered"} if offered else {})},
                Comment(agent, rng.choice(texts.SOLVE_REPLIES), True),
            )
        )
        solved = t
        if chance(rng, 0.08):
            t += int(rng.uniform(HOUR, 3.5 * DAY))
            steps.append(Step(t, {"status": "open"}, Comment(requester, "Sorry, this is happening again.", True)))
            t += int(rng.uniform(HOUR, 2 * DAY))
            steps.append(Step(t, {"status": "solved"}, Comment(agent, rng.choice(texts.SOLVE_REPLIES), True)))
            solved = t
        closed = solved + CLOSE_AFTER
        closed += -closed % HOUR
        if offered and chance(rng, 0.4):
            rated = solved + int(rng.uniform(HOUR, 3 * DAY))
            good = chance(rng, 0.55 if escalated else 0.85)
            comment = rng.choice(texts.RATING_COMMENTS_GOOD if good else texts.RATING_COMMENTS_BAD)
            if rated < closed:
                steps.append(Step(rated, {"rating": "good" if good else "bad", "rating_comment": comment}))
        steps.append(Step(closed, {"status": "closed"}))
        steps.sort(key=lambda s: s.at)
        return steps

    def _history(self, ticket: TicketPlan) -> None:
        status, priority, escalated = "new", ticket.values["priority"], False
        for step in ticket.steps:
            if step.at > self.end:
                break
            status = step.changes.get("status", status)
            priority = step.changes.get("priority", priority)
            escalated = escalated or bool(step.changes.get("escalate"))
            ticket.history.append((step.at, status, priority, escalated))

    # -- ids ------------------------------------------------------------------------------------

    def assign_ids(self) -> None:
        """Ids grow with creation time, like Zendesk's (tickets count from 1)."""
        rng = derive(self.seed, "zendesk", "ids")
        self.orgs.sort(key=lambda o: (o.created, o.key))
        next_id = 360_000_000_000
        for org in self.orgs:
            next_id += rng.randint(50, 5000)
            org.id = next_id
        self.users.sort(key=lambda u: (u.created, u.key))
        next_id = 361_000_000_000
        for user in self.users:
            next_id += rng.randint(50, 5000)
            user.id = next_id
        self.tickets.sort(key=lambda t: t.key)
        comments: list[tuple[int, int, int, Comment]] = []
        for number, ticket in enumerate(self.tickets, start=1):
            ticket.id = number
            for index, step in enumerate(ticket.steps):
                if step.comment is not None and step.at <= self.end:
                    comments.append((step.at, number, index, step.comment))
        comments.sort(key=lambda c: c[:3])
        next_id = 380_000_000_000
        for _, _, _, comment in comments:
            next_id += rng.randint(2, 200)
            comment.id = next_id

    def run(self) -> None:
        """Plan everything and assign ids."""
        self.plan_agents()
        for company in self.core.companies:
            self.plan_company(company)
        self.assign_ids()
