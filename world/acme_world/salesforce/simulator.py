"""Plays out AcmeCloud's Salesforce org from the start of history to the horizon.

Every company of the core world gets its primary Account (`Company.salesforce_account_id`), so
every account id the Stripe metadata mentions exists here (possibly merged away or deleted).
Around it: contacts for most of its people, opportunities that follow its Stripe billing (new
business when it first subscribes, renewals while it pays, expansions), sales reps who join
and leave, and the identifier chaos of a real org (see :mod:`acme_world.salesforce`).

All changes run through one time-ordered queue, because some touch many records in the same
second (bulk imports, the nightly Stripe sync, mass owner transfers, merges, cascade deletes).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from acme_world import chaos, vocab
from acme_world.billing import CompanyBilling
from acme_world.core import Company, Core, Person, phone_number, slug, street_address
from acme_world.ids import IdFactory
from acme_world.recorder import VersionLog
from acme_world.rng import chance, derive, weighted
from acme_world.salesforce import fields as sf
from acme_world.salesforce.records import SfRecord
from acme_world.timeline import DAY, HOUR, Timeline, from_epoch

Action = Callable[[int], None]

IMPORT_BATCH = 200  # records per Bulk API batch: one batch commits in one second
IMPORT_OFFSETS = {"Account": (600, 15), "Contact": (1800, 10), "Opportunity": (3000, 10)}
SYNC_HOUR = 2  # the nightly Stripe -> Salesforce sync runs at 02:00:00 UTC
SCORE_HOUR = 3  # the nightly health-score job (schema drift only) runs at 03:00:00 UTC
FORMULA_DAYS_BEFORE_ANCHOR = 2  # formula refresh versions from this many days before the anchor
ORG_DOMAIN = "acmecloud.com"

_AMOUNTS = {
    "1-10": (1_200, 6_000),
    "11-50": (6_000, 30_000),
    "51-200": (20_000, 90_000),
    "201-1000": (60_000, 250_000),
    "1001-5000": (150_000, 600_000),
    "5001+": (400_000, 2_000_000),
}
_REP_TITLES = (
    ("Account Executive", "Sales"),
    ("Senior Account Executive", "Sales"),
    ("Sales Development Representative", "Sales"),
    ("Customer Success Manager", "Customer Success"),
)
_TIME_ZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin")
_GENERIC_CONTACTS = (
    ("Accounts Payable", "ap"),
    ("Billing Team", "billing"),
    ("Finance", "finance"),
    ("Accounts", "accounts"),
)
_DEPARTMENTS = {
    "CEO": "Executive",
    "Founder": "Executive",
    "Co-Founder & CEO": "Executive",
    "Managing Director": "Executive",
    "CFO": "Finance",
    "Controller": "Finance",
    "Head of Finance": "Finance",
    "Finance Manager": "Finance",
    "Accounts Payable Specialist": "Finance",
}
_NEXT_STEPS = (
    "Send proposal",
    "Schedule demo",
    "Security review",
    "Follow up with CFO",
    "Legal review of MSA",
    "Pricing call",
    None,
    None,
)


@dataclass(slots=True)
class Rep:
    """A sales rep's employment: visible from `hired`, deactivated at `left`."""

    user_id: str
    hired: int
    left: int | None = None
    replacement: str | None = None


@dataclass(slots=True)
class CompanyPlan:
    """What the org holds for one company (ids known up front, so others can point at them)."""

    company: Company
    rng: random.Random
    billing: CompanyBilling
    people: list[Person]
    primary_id: str
    created: int  # when the primary account appears
    dup_id: str | None = None
    dup_created: int | None = None


def poisson_times(rng: random.Random, after: int, until: int, mean: float) -> Iterator[int]:
    """Instants of a Poisson process with mean gap `mean` seconds in `(after, until]`."""
    at = after
    while True:
        at += int(rng.expovariate(1 / mean)) + 1
        if at > until:
            return
        yield at


def next_hour_of_day(at: int, hour: int) -> int:
    """The first instant `>= at` that is `hour`:00:00 UTC."""
    day_start = at - at % DAY
    candidate = day_start + hour * HOUR
    return candidate if candidate >= at else candidate + DAY


class SalesforceSim:
    """Builds every Salesforce record version of a world."""

    def __init__(
        self,
        seed: int,
        timeline: Timeline,
        core: Core,
        billing: dict[str, CompanyBilling],
        ids: IdFactory,
        health_at: int | None,
    ) -> None:
        self.seed = seed
        self.timeline = timeline
        self.start, self.end = timeline.start, timeline.end
        self.core = core
        self.billing = billing
        self.ids = ids
        self.health_at = health_at
        self.id_rng = derive(seed, "salesforce", "ids")
        self.rng = derive(seed, "salesforce", "org")
        self.log = VersionLog()
        self.records: dict[str, SfRecord] = {}
        self.accounts: list[SfRecord] = []
        self.plans: dict[str, CompanyPlan] = {}
        self.alias: dict[str, str] = {}  # merged-away account -> its master
        self.owned: dict[str, set[str]] = {}
        self.last_activity: dict[str, int] = {}
        self.reps: list[Rep] = []
        self.admin_id = ""
        self.integration_id = ""
        self._queue: list[tuple[int, int, Action]] = []
        self._seq = 0
        self._import_count = dict.fromkeys(IMPORT_OFFSETS, 0)
        self._usernames: set[str] = set()
        self._profiles: dict[str, str] = {}
        self.primary_customers = sorted(b.customers[0].id for b in billing.values() if b.customers)
        self.mirrored = self._mirrored_wrong_metadata()

    # -- plumbing -------------------------------------------------------------------------------

    def schedule(self, at: int, action: Action) -> None:
        """Run `action(at)` in time order (ties in scheduling order); dropped after the horizon."""
        if at <= self.end:
            heapq.heappush(self._queue, (at, self._seq, action))
            self._seq += 1

    def run(self) -> None:
        """Plan everything, then play the queue."""
        self._plan_users()
        self._plan_formula_refresh()
        self._plan_health_score()
        for company in self.core.companies:
            self._plan_company(company)
        while self._queue:
            at, _, action = heapq.heappop(self._queue)
            action(at)

    def _import_slot(self, resource: str) -> int:
        base, step = IMPORT_OFFSETS[resource]
        index = self._import_count[resource]
        self._import_count[resource] += 1
        return self.start + base + (index // IMPORT_BATCH) * step

    def _new_id(self, resource: str) -> str:
        return self.ids.salesforce(sf.KEY_PREFIXES[resource], self.id_rng)

    def _resolve(self, account_id: str) -> SfRecord | None:
        while account_id in self.alias:
            account_id = self.alias[account_id]
        return self.records.get(account_id)

    def _calculate(self, rec: SfRecord, at: int) -> None:
        values = rec.fields
        if rec.resource == "Account":
            last = self.last_activity.get(rec.id)
            values["Days_Since_Last_Activity__c"] = None if last is None else float(at // DAY - last // DAY)
        elif rec.resource == "Opportunity":
            probability, category = sf.STAGE_INFO[values["StageName"]]
            if values["Probability"] is None:
                values["Probability"] = float(probability)
            values["IsClosed"] = values["StageName"] in ("Closed Won", "Closed Lost")
            values["IsWon"] = values["StageName"] == "Closed Won"
            values["ForecastCategoryName"] = category
            values["ForecastCategory"] = sf.FORECAST_CATEGORY[category]
            amount = values["Amount"]
            values["ExpectedRevenue"] = None if amount is None else round(amount * values["Probability"] / 100, 2)
            close = values["CloseDate"]
            values["FiscalYear"] = int(close[:4])
            values["FiscalQuarter"] = (int(close[5:7]) - 1) // 3 + 1

    def save(self, rec: SfRecord, at: int, by: str | None, *, system_only: bool = False, no_bump: bool = False) -> None:
        """Record `rec`'s current state from `at`.

        A user change (`by`) sets LastModifiedDate/ById and SystemModstamp; `system_only` (a
        system process) sets SystemModstamp only; `no_bump` (formula recalculation, schema
        change) sets neither.
        """
        values = rec.fields
        if not no_bump:
            stamp = sf.sf_datetime(at)
            values["SystemModstamp"] = stamp
            if not system_only and by is not None:
                values["LastModifiedDate"] = stamp
                values["LastModifiedById"] = by
        self._calculate(rec, at)
        body = {"attributes": rec.attributes, **values}
        self.log.put(rec.resource, rec.id, at, body)

    def _register(self, rec: SfRecord) -> None:
        self.records[rec.id] = rec
        owner = rec.fields.get("OwnerId")
        if owner is not None:
            self.owned.setdefault(owner, set()).add(rec.id)
        if rec.resource == "Account":
            self.accounts.append(rec)

    def _set_owner(self, rec: SfRecord, owner: str) -> None:
        self.owned.get(rec.fields["OwnerId"], set()).discard(rec.id)
        rec.fields["OwnerId"] = owner
        self.owned.setdefault(owner, set()).add(rec.id)

    def _set_deleted(self, rec: SfRecord, at: int, deleted: bool) -> None:
        rec.fields["IsDeleted"] = deleted
        rec.deletions.append((at, deleted))

    def _audit(self, created_date: int, by: str, at: int) -> dict[str, Any]:
        return {
            "CreatedDate": sf.sf_datetime(created_date),
            "CreatedById": by,
            "LastModifiedDate": sf.sf_datetime(created_date),
            "LastModifiedById": by,
            "SystemModstamp": sf.sf_datetime(at),
        }

    # -- users ----------------------------------------------------------------------------------

    def _active_reps(self, at: int) -> list[str]:
        return [r.user_id for r in self.reps if r.hired <= at and (r.left is None or at < r.left)]

    def _user_record(
        self, at: int, created_date: int, title: str, department: str, profile: str, first: str, last: str
    ) -> SfRecord:
        username = f"{slug(first)}.{slug(last)}@{ORG_DOMAIN}"
        suffix = 2
        while username in self._usernames:
            username = f"{slug(first)}.{slug(last)}{suffix}@{ORG_DOMAIN}"
            suffix += 1
        self._usernames.add(username)
        user_id = self._new_id("User")
        by = self.admin_id or user_id
        values: dict[str, Any] = {
            "Id": user_id,
            "Username": username,
            "LastName": last,
            "FirstName": first,
            "Name": f"{first} {last}",
            "CompanyName": "AcmeCloud",
            "Department": department,
            "Title": title,
            "Email": username,
            "Alias": (slug(first)[:1] + slug(last)[:4])[:8],
            "IsActive": True,
            "UserType": "Standard",
            "ProfileId": profile,
            "UserRoleId": None,
            "ManagerId": None,
            "TimeZoneSidKey": self.rng.choice(_TIME_ZONES),
            "LocaleSidKey": "en_US",
            "LanguageLocaleKey": "en_US",
            "EmailEncodingKey": "UTF-8",
            **self._audit(created_date, by, at),
        }
        attributes = {"type": "User", "url": sf.record_url("User", user_id)}
        return SfRecord("User", user_id, None, None, at, values, attributes)

    def _plan_users(self) -> None:
        rng = self.rng
        self._profiles = {
            name: self.ids.salesforce(sf.PROFILE_PREFIX, self.id_rng)
            for name in ("System Administrator", "Standard User", "Integration")
        }
        admin = self._user_record(
            self.start,
            self.start - 1100 * DAY,
            "Salesforce Administrator",
            "Revenue Operations",
            self._profiles["System Administrator"],
            "Morgan",
            "Reyes",
        )
        self.admin_id = admin.id
        admin.fields["CreatedById"] = admin.fields["LastModifiedById"] = admin.id
        integration = self._user_record(
            self.start,
            self.start - 420 * DAY,
            "Integration User",
            "Revenue Operations",
            self._profiles["Integration"],
            "Stripe",
            "Integration",
        )
        self.integration_id = integration.id
        for rec in (admin, integration):
            self._register(rec)
            self.save(rec, self.start, None, no_bump=True)
        total = max(4, round(len(self.core.companies) / 40))
        initial = max(3, round(total * 0.7))
        hires: list[int | None] = [None] * initial
        hires += sorted(int(rng.uniform(self.start + 30 * DAY, self.end - 10 * DAY)) for _ in range(total - initial))
        for hired in hires:
            rep = self._hire(hired)
            if chance(rng, 0.45):  # sales turnover is high
                left = int(rng.uniform(max(rep.hired, self.start) + 60 * DAY, self.end + 30 * DAY))
                if left <= self.end:
                    rep.left = left
                    replacement_at = max(self.start + DAY, left - int(rng.uniform(3, 30) * DAY))
                    rep.replacement = self._hire(replacement_at).user_id
                    self.schedule(left, partial(self._deactivate, rep))
                    self.schedule(left + int(rng.uniform(2 * HOUR, 4 * DAY)), partial(self._mass_transfer, rep))

    def _hire(self, hired: int | None) -> Rep:
        rng = self.rng
        title, department = weighted(rng, [(t, w) for t, w in zip(_REP_TITLES, (40, 15, 25, 20), strict=True)])
        first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
        at = self.start if hired is None else hired
        created_date = self.start - int(rng.uniform(30, 900) * DAY) if hired is None else hired
        rec = self._user_record(at, created_date, title, department, self._profiles["Standard User"], first, last)
        rep = Rep(rec.id, at)
        self.reps.append(rep)
        self.schedule(at, partial(self._create_user, rec, hired is None))
        return rep

    def _create_user(self, rec: SfRecord, preexisting: bool, at: int) -> None:
        self._register(rec)
        self.save(rec, at, None, no_bump=preexisting)

    def _deactivate(self, rep: Rep, at: int) -> None:
        rec = self.records[rep.user_id]
        rec.fields["IsActive"] = False
        self.save(rec, at, self.admin_id)

    def _mass_transfer(self, rep: Rep, at: int) -> None:
        """Data Loader moves a leaver's records to one colleague: all in the same second."""
        active = self._active_reps(at)
        new_owner = rep.replacement if rep.replacement in active else self.rng.choice(active)
        assert new_owner is not None
        for record_id in sorted(self.owned.get(rep.user_id, set())):
            rec = self.records[record_id]
            if rec.is_deleted or (rec.resource == "Opportunity" and rec.fields["IsClosed"]):
                continue
            self._set_owner(rec, new_owner)
            rec.chaos.add("mass_transfer")
            self.save(rec, at, self.admin_id)

    # -- global jobs ----------------------------------------------------------------------------

    def _plan_formula_refresh(self) -> None:
        first = self.timeline.anchor - FORMULA_DAYS_BEFORE_ANCHOR * DAY
        midnight = first - first % DAY + DAY
        while midnight <= self.end:
            self.schedule(midnight, self._refresh_formulas)
            midnight += DAY

    def _refresh_formulas(self, at: int) -> None:
        """A new day: `Days_Since_Last_Activity__c` changes, SystemModstamp does not."""
        for rec in self.accounts:
            last = self.last_activity.get(rec.id)
            if (
                last is not None
                and not rec.is_deleted
                and rec.fields["Days_Since_Last_Activity__c"] != float(at // DAY - last // DAY)
            ):
                self.save(rec, at, None, no_bump=True)

    def _plan_health_score(self) -> None:
        if self.health_at is None:
            return
        self.schedule(self.health_at, self._add_health_field)
        self.schedule(self.health_at + HOUR, self._backfill_health)
        night = next_hour_of_day(self.health_at + 2 * HOUR, SCORE_HOUR)
        while night <= self.end:
            self.schedule(night, self._score_new_accounts)
            night += DAY

    def _add_health_field(self, at: int) -> None:
        """The admin deploys the new field: every account shows it (null), nothing is bumped."""
        for rec in self.accounts:
            rec.fields["Health_Score__c"] = None
            self.save(rec, at, None, no_bump=True)

    def _backfill_health(self, at: int) -> None:
        """A bulk job scores every live account, 200 per batch, each batch in one second."""
        live = [rec.id for rec in self.accounts if not rec.is_deleted]
        for index in range(0, len(live), IMPORT_BATCH):
            self.schedule(at + index // IMPORT_BATCH, partial(self._score_batch, live[index : index + IMPORT_BATCH]))

    def _score_batch(self, account_ids: list[str], at: int) -> None:
        rng = derive(self.seed, "salesforce", "health", at)
        for account_id in account_ids:
            rec = self.records[account_id]
            if not rec.is_deleted:
                rec.fields["Health_Score__c"] = round(rng.uniform(5, 100), 1)
                self.save(rec, at, self.integration_id)

    def _score_new_accounts(self, at: int) -> None:
        rng = derive(self.seed, "salesforce", "health", at)
        for rec in self.accounts:
            if not rec.is_deleted and rec.fields.get("Health_Score__c") is None:
                rec.fields["Health_Score__c"] = round(rng.uniform(5, 100), 1)
                self.save(rec, at, self.integration_id)

    # -- companies ------------------------------------------------------------------------------

    def _mirrored_wrong_metadata(self) -> dict[str, tuple[str, int]]:
        """Companies whose account id some *other* company's Stripe customer carries in metadata.

        Half of them (decided per company) get that customer in `Stripe_Customer_Id__c`
        too: both systems then agree on a wrong link, which only names and domains can refute.
        """
        owner_of: dict[str, str] = {}
        for company in self.core.companies:
            owner_of[company.salesforce_account_id] = company.id
            owner_of[company.salesforce_account_id[:15]] = company.id
        mirrored: dict[str, tuple[str, int]] = {}
        for facts in self.billing.values():
            for customer in facts.customers:
                for key in ("salesforce_account_id", "sfdc_account_id"):
                    target = owner_of.get(customer.metadata.get(key, ""))
                    if target is not None and target != customer.company_id:
                        mirrored.setdefault(target, (customer.id, customer.created))
        return mirrored

    def _plan_company(self, company: Company) -> None:
        rng = derive(self.seed, "salesforce", "company", company.id)
        billing = self.billing[company.id]
        created = int(company.created.timestamp())
        if created < self.start:
            visible = self._import_slot("Account")
            created_date = created
        else:
            visible = created + int(rng.expovariate(1 / (20 * DAY)))
            if billing.customers:
                first = billing.customers[0].created
                latest = first - int(rng.uniform(300, 2 * DAY))
                visible = min(visible, latest if latest >= created else (created + first) // 2)
            visible = min(visible, self.end)
            created_date = visible
        plan = CompanyPlan(
            company, rng, billing, self.core.people_by_company[company.id], company.salesforce_account_id, visible
        )
        self.plans[company.id] = plan
        self.schedule(visible, partial(self._create_account, plan, plan.primary_id, created_date, False))
        self._plan_duplicate(plan)
        self._plan_contacts(plan)
        self._plan_opportunities(plan)
        self._plan_stripe_link(plan)
        self._plan_account_life(plan)

    def _account_name(self, plan: CompanyPlan, at: int) -> tuple[str, str | None]:
        company, rng = plan.company, plan.rng
        name = company.name_at(from_epoch(at))
        style = weighted(rng, [("name", 68), ("legal", 14), ("upper", 4), ("padded", 3), ("suffix", 6), ("city", 5)])
        if style == "legal":
            return (company.legal_name if name == company.name else name), None
        if style == "upper":
            return name.upper(), "name_upper"
        if style == "padded":
            return f"{name} ", "name_padded"
        if style == "suffix":
            return f"{name}, {rng.choice(('Inc.', 'Corp.', 'LLC', 'Ltd.'))}", None
        if style == "city":
            return f"{name} ({company.city})", None
        return name, None

    def _create_account(self, plan: CompanyPlan, account_id: str, created_date: int, duplicate: bool, at: int) -> None:
        company, rng = plan.company, plan.rng
        owner = rng.choice(self._active_reps(at))
        if duplicate:
            name = chaos.name_variant(
                rng, company.name_at(from_epoch(at)), company.legal_name, company.city, company.domain
            )
            tag: str | None = "duplicate"
        else:
            name, tag = self._account_name(plan, at)
        street, postal = street_address(rng, company.country)
        paying = plan.billing.paying_at(at) or (
            created_date < self.start
            and plan.billing.first_start is not None
            and plan.billing.first_start < self.start + 45 * DAY
        )
        by = self.admin_id if created_date < at else owner
        values: dict[str, Any] = {
            "Id": account_id,
            "IsDeleted": False,
            "MasterRecordId": None,
            "Name": name,
            "Type": "Customer - Direct" if paying else weighted(rng, [("Prospect", 85), ("Other", 3), (None, 12)]),
            "ParentId": None,
            "BillingStreet": street if chance(rng, 0.8) else None,
            "BillingCity": company.city if chance(rng, 0.9) else None,
            "BillingState": company.state,
            "BillingPostalCode": postal if chance(rng, 0.75) else None,
            "BillingCountry": chaos.country_text(rng, company.country),
            "Phone": phone_number(rng, company.country) if chance(rng, 0.6) else None,
            "Website": chaos.website_text(rng, company),
            "Industry": sf.INDUSTRY_MAP[company.industry] if chance(rng, 0.88) else None,
            "AnnualRevenue": (
                float(round(company.employees * rng.uniform(60, 260)) * 1000) if chance(rng, 0.4) else None
            ),
            "NumberOfEmployees": company.employees if chance(rng, 0.7) else None,
            "Description": None,
            "OwnerId": owner,
            **self._audit(created_date, by, at),
            "LastActivityDate": None,
            "AccountSource": weighted(rng, [(s, 1) for s in sf.ACCOUNT_SOURCES] + [(None, 2)]),
            "Stripe_Customer_Id__c": None,
            "Days_Since_Last_Activity__c": None,
        }
        if self.health_at is not None and at >= self.health_at:
            values["Health_Score__c"] = None
        attributes = {"type": "Account", "url": sf.record_url("Account", account_id)}
        rec = SfRecord("Account", account_id, company.id, None, at, values, attributes)
        if tag is not None:
            rec.chaos.add(tag)
        if created_date < at:
            rec.chaos.add("imported")
        former = company.former_name
        if former is not None and name.strip().lower().startswith(former.lower()):
            rec.chaos.add("former_name")
        self._register(rec)
        self.save(rec, at, None, no_bump=True)

    def _plan_duplicate(self, plan: CompanyPlan) -> None:
        rng = plan.rng
        if not chance(rng, 0.12 if plan.company.employees > 50 else 0.07):
            return
        dup_at = plan.created + int(rng.uniform(30, 500) * DAY)
        if dup_at > self.end:
            return
        plan.dup_id = self._new_id("Account")
        plan.dup_created = dup_at
        self.schedule(dup_at, partial(self._create_account, plan, plan.dup_id, dup_at, True))
        if chance(rng, 0.45):
            keep_primary = chance(rng, 0.75)
            self.schedule(dup_at + int(rng.uniform(7, 300) * DAY), partial(self._merge_accounts, plan, keep_primary))

    def _merge_accounts(self, plan: CompanyPlan, keep_primary: bool, at: int) -> None:
        """A rep merges the duplicate: the loser is deleted with MasterRecordId, children move."""
        assert plan.dup_id is not None
        primary, dup = self.records.get(plan.primary_id), self.records.get(plan.dup_id)
        if primary is None or dup is None or primary.is_deleted or dup.is_deleted:
            return
        winner, loser = (primary, dup) if keep_primary else (dup, primary)
        by = winner.fields["OwnerId"]
        if winner.fields["Stripe_Customer_Id__c"] is None:
            winner.fields["Stripe_Customer_Id__c"] = loser.fields["Stripe_Customer_Id__c"]
        self._set_deleted(loser, at, True)
        loser.fields["MasterRecordId"] = winner.id
        loser.chaos.add("merged_away")
        winner.chaos.add("merge_master")
        self.alias[loser.id] = winner.id
        self.save(loser, at, by)
        self.save(winner, at, by)
        for child_id in loser.children:
            child = self.records[child_id]
            if child.fields["AccountId"] == loser.id and not child.is_deleted:
                child.fields["AccountId"] = winner.id
                child.chaos.add("reparented")
                winner.children.append(child_id)
                self.save(child, at, by)

    # -- contacts -------------------------------------------------------------------------------

    def _plan_contacts(self, plan: CompanyPlan) -> None:
        rng = plan.rng
        for position, person in enumerate(plan.people):
            if not chance(rng, 0.92 if position < 2 else 0.72):
                continue
            person_created = int(person.created.timestamp())
            if person_created < self.start and plan.created < self.start + HOUR:
                at = self._import_slot("Contact")
                created_date = max(person_created, int(plan.company.created.timestamp()))
            else:
                at = max(person_created, plan.created) + 60 + int(rng.expovariate(1 / (30 * DAY)))
                created_date = at
            if at > self.end:
                continue
            on_dup = plan.dup_created is not None and plan.dup_created < at and chance(rng, 0.35)
            contact_id = self._new_id("Contact")
            self.schedule(at, partial(self._create_contact, plan, person, contact_id, on_dup, created_date, None))
            if chance(rng, 0.05):  # the same person again, e.g. from a web-to-lead conversion
                again = at + int(rng.uniform(30, 400) * DAY)
                if again <= self.end:
                    dup_id = self._new_id("Contact")
                    self.schedule(
                        again, partial(self._create_contact, plan, person, dup_id, chance(rng, 0.5), again, contact_id)
                    )
                    if chance(rng, 0.4):
                        self.schedule(
                            again + int(rng.uniform(5, 200) * DAY), partial(self._merge_contacts, dup_id, contact_id)
                        )
            for when in poisson_times(rng, at, self.end, 420 * DAY):
                self.schedule(when, partial(self._update_contact, plan, person, contact_id))
            if chance(rng, 0.02):
                self.schedule(at + int(rng.uniform(30, 600) * DAY), partial(self._delete_record, contact_id))
        if chance(rng, 0.12):
            at = plan.created + int(rng.uniform(1, 200) * DAY)
            if at <= self.end:
                self.schedule(at, partial(self._create_contact, plan, None, self._new_id("Contact"), False, at, None))

    def _contact_email(self, rng: random.Random, person: Person) -> tuple[str | None, str | None]:
        style = weighted(rng, [("work", 76), ("personal", 10), ("missing", 9), ("upper", 5)])
        if style == "personal":
            return person.personal_email, "free_mail"
        if style == "missing":
            return None, "missing_email"
        if style == "upper":
            return person.email.upper(), "email_case"
        email = chaos.messy_case(rng, person.email)
        return email, None if email == person.email else "email_case"

    def _create_contact(
        self,
        plan: CompanyPlan,
        person: Person | None,
        contact_id: str,
        on_dup: bool,
        created_date: int,
        duplicate_of: str | None,
        at: int,
    ) -> None:
        rng, company = plan.rng, plan.company
        account = self._resolve(plan.dup_id if on_dup and plan.dup_id else plan.primary_id)
        if account is None or account.is_deleted:
            account = self._resolve(plan.primary_id)
        if account is None or account.is_deleted:
            return
        owner = account.fields["OwnerId"]
        tags: set[str] = set()
        if person is None:
            last, mailbox = rng.choice(_GENERIC_CONTACTS)
            first: str | None = None
            email: str | None = f"{mailbox}@{company.domain}"
            title: str | None = None
            phone: str | None = None
            tags.add("generic_mailbox")
        else:
            first, last = person.first_name, person.last_name
            if duplicate_of is not None:
                email = person.personal_email if chance(rng, 0.6) else person.email.upper()
                tags.add("duplicate")
            else:
                email, tag = self._contact_email(rng, person)
                if tag:
                    tags.add(tag)
            title = person.role if chance(rng, 0.88) else None
            phone = person.phone if chance(rng, 0.55) else None
        by = self.admin_id if created_date < at else owner
        values: dict[str, Any] = {
            "Id": contact_id,
            "IsDeleted": False,
            "MasterRecordId": None,
            "AccountId": account.id,
            "LastName": last,
            "FirstName": first,
            "Salutation": None,
            "Name": last if first is None else f"{first} {last}",
            "MailingCity": company.city if chance(rng, 0.5) else None,
            "MailingCountry": chaos.country_text(rng, company.country) if chance(rng, 0.5) else None,
            "Phone": phone,
            "MobilePhone": (phone_number(rng, company.country) if person is not None and chance(rng, 0.15) else None),
            "Email": email,
            "Title": title,
            "Department": _DEPARTMENTS.get(title or "") if chance(rng, 0.6) else None,
            "LeadSource": weighted(rng, [(s, 1) for s in sf.LEAD_SOURCES] + [(None, 3)]),
            "OwnerId": owner,
            "HasOptedOutOfEmail": chance(rng, 0.05),
            **self._audit(created_date, by, at),
            "LastActivityDate": None,
        }
        attributes = {"type": "Contact", "url": sf.record_url("Contact", contact_id)}
        rec = SfRecord(
            "Contact", contact_id, company.id, None if person is None else person.id, at, values, attributes, chaos=tags
        )
        if created_date < at:
            rec.chaos.add("imported")
        account.children.append(contact_id)
        self._register(rec)
        self.save(rec, at, None, no_bump=True)

    def _update_contact(self, plan: CompanyPlan, person: Person, contact_id: str, at: int) -> None:
        rec = self.records.get(contact_id)
        if rec is None or rec.is_deleted:
            return
        rng, values = plan.rng, rec.fields
        kind = weighted(rng, [("title", 35), ("phone", 25), ("email", 25), ("mailing", 15)])
        if kind == "title":
            values["Title"] = rng.choice((*vocab.OTHER_ROLES, person.role))
        elif kind == "phone":
            values["Phone"] = phone_number(rng, plan.company.country)
        elif kind == "email":
            if values["Email"] is None or values["Email"] == person.personal_email:
                values["Email"] = person.email if chance(rng, 0.7) else person.email.title()
            else:
                values["Email"], tag = self._contact_email(rng, person)
                if tag:
                    rec.chaos.add(tag)
        else:
            values["MailingCountry"] = chaos.country_text(rng, plan.company.country)
        self.save(rec, at, values["OwnerId"])

    def _merge_contacts(self, loser_id: str, winner_id: str, at: int) -> None:
        loser, winner = self.records.get(loser_id), self.records.get(winner_id)
        if loser is None or winner is None or loser.is_deleted or winner.is_deleted:
            return
        self._set_deleted(loser, at, True)
        loser.fields["MasterRecordId"] = winner_id
        loser.chaos.add("merged_away")
        self.save(loser, at, winner.fields["OwnerId"])

    def _delete_record(self, record_id: str, at: int) -> None:
        rec = self.records.get(record_id)
        if rec is None or rec.is_deleted:
            return
        self._set_deleted(rec, at, True)
        rec.chaos.add("deleted")
        self.save(rec, at, rec.fields["OwnerId"])

    # -- opportunities --------------------------------------------------------------------------

    def _plan_opportunities(self, plan: CompanyPlan) -> None:
        rng, billing, company = plan.rng, plan.billing, plan.company
        low, high = _AMOUNTS[company.size]
        base = round(rng.uniform(low, high), -2)
        first = billing.first_start
        if first is None:
            if chance(rng, 0.5):
                opened = plan.created + int(rng.uniform(1, 300) * DAY)
                close = opened + int(rng.uniform(20, 150) * DAY)
                outcome = "won" if chance(rng, 0.08) else "lost"
                self._plan_opportunity(plan, "New Business", opened, close, outcome, base)
            return
        if plan.created < self.start + HOUR and first < self.start + 45 * DAY:
            company_created = int(company.created.timestamp())
            close = company_created + int((self.start - company_created) * rng.uniform(0.3, 0.95))
            opened = max(company_created, close - int(rng.uniform(10, 90) * DAY))
            self.schedule(
                self._import_slot("Opportunity"), partial(self._import_won_opportunity, plan, opened, close, base)
            )
        else:
            opened = max(plan.created + 60, first - int(rng.uniform(10, 100) * DAY))
            close = max(opened + 60, first - int(rng.uniform(0, 2 * DAY)))
            self._plan_opportunity(plan, "New Business", opened, close, "won", base)
        year = 1
        while True:
            anniversary = first + year * 365 * DAY
            opened = anniversary - 90 * DAY
            year += 1
            if opened > self.end:
                break
            if opened <= plan.created or not billing.paying_at(opened):
                continue
            close = anniversary + int(rng.uniform(-5, 10) * DAY)
            outcome = "won" if billing.paying_at(anniversary + 10 * DAY) else "lost"
            self._plan_opportunity(plan, "Renewal", opened, close, outcome, round(base * rng.uniform(0.9, 1.15), -2))
        for opened in poisson_times(rng, max(first, plan.created) + 60 * DAY, self.end, 540 * DAY):
            if billing.paying_at(opened):
                close = opened + int(rng.uniform(20, 90) * DAY)
                self._plan_opportunity(
                    plan,
                    "Expansion",
                    opened,
                    close,
                    "won" if chance(rng, 0.55) else "lost",
                    round(base * rng.uniform(0.1, 0.4), -2),
                )

    def _plan_opportunity(
        self, plan: CompanyPlan, kind: str, opened: int, close: int, outcome: str, amount: float
    ) -> None:
        rng = plan.rng
        if kind == "Renewal":
            path = ["Prospecting", "Proposal/Price Quote", "Negotiation/Review"][: rng.randint(1, 3)]
        elif outcome == "won":
            path = list(sf.OPEN_STAGES[: rng.randint(3, 8)])
        else:
            path = list(sf.OPEN_STAGES[: rng.randint(1, 7)])
        if len(path) > 2 and chance(rng, 0.4):  # reps skip stages
            del path[rng.randrange(1, len(path) - 1)]
        path.append("Closed Won" if outcome == "won" else "Closed Lost")
        times = sorted(int(rng.uniform(opened, close)) for _ in range(len(path) - 2))
        times = [opened, *times, close]
        opp_id = self._new_id("Opportunity")
        on_dup = plan.dup_created is not None and plan.dup_created < opened and chance(rng, 0.25)
        self.schedule(opened, partial(self._create_opportunity, plan, opp_id, kind, path[0], close, amount, on_dup))
        for stage, when in zip(path[1:], times[1:], strict=True):
            self.schedule(max(when, opened), partial(self._advance_opportunity, plan, opp_id, kind, stage, close))
        if chance(rng, 0.02):
            self.schedule(opened + int(rng.uniform(HOUR, 30 * DAY)), partial(self._delete_record, opp_id))

    def _opportunity_values(
        self, plan: CompanyPlan, opp_id: str, account: SfRecord, kind: str, stage: str, close: int, amount: float | None
    ) -> dict[str, Any]:
        name = account.fields["Name"].strip()
        year = from_epoch(close).year
        suffix = {"New Business": "New Business", "Renewal": f"Renewal FY{year}", "Expansion": f"Expansion {year}"}[
            kind
        ]
        return {
            "Id": opp_id,
            "IsDeleted": False,
            "AccountId": account.id,
            "Name": f"{name} - {suffix}",
            "Description": None,
            "StageName": stage,
            "Amount": amount,
            "Probability": None,
            "ExpectedRevenue": None,
            "CloseDate": sf.sf_date(close),
            "Type": kind if chance(plan.rng, 0.93) else None,
            "NextStep": plan.rng.choice(_NEXT_STEPS),
            "LeadSource": weighted(plan.rng, [(s, 1) for s in sf.LEAD_SOURCES] + [(None, 3)]),
            "IsClosed": False,
            "IsWon": False,
            "ForecastCategory": "Pipeline",
            "ForecastCategoryName": "Pipeline",
            "OwnerId": account.fields["OwnerId"],
        }

    def _create_opportunity(
        self, plan: CompanyPlan, opp_id: str, kind: str, stage: str, close: int, amount: float, on_dup: bool, at: int
    ) -> None:
        rng = plan.rng
        account = self._resolve(plan.dup_id if on_dup and plan.dup_id else plan.primary_id)
        if account is None or account.is_deleted:
            account = self._resolve(plan.primary_id)
        if account is None or account.is_deleted:
            return
        expected = close + int(rng.uniform(-20, 25) * DAY)
        values = self._opportunity_values(
            plan, opp_id, account, kind, stage, max(expected, at), amount if chance(rng, 0.92) else None
        )
        owner = values["OwnerId"]
        values.update(self._audit(at, owner, at))
        values["LastActivityDate"] = None
        values["FiscalQuarter"] = values["FiscalYear"] = None
        attributes = {"type": "Opportunity", "url": sf.record_url("Opportunity", opp_id)}
        rec = SfRecord("Opportunity", opp_id, plan.company.id, None, at, values, attributes)
        account.children.append(opp_id)
        self._register(rec)
        self.save(rec, at, None, no_bump=True)

    def _import_won_opportunity(self, plan: CompanyPlan, opened: int, close: int, amount: float, at: int) -> None:
        account = self._resolve(plan.primary_id)
        if account is None:
            return
        opp_id = self._new_id("Opportunity")
        values = self._opportunity_values(plan, opp_id, account, "New Business", "Closed Won", close, amount)
        values.update(self._audit(opened, self.admin_id, at))
        values["LastModifiedDate"] = sf.sf_datetime(close)
        values["LastActivityDate"] = None
        values["FiscalQuarter"] = values["FiscalYear"] = None
        attributes = {"type": "Opportunity", "url": sf.record_url("Opportunity", opp_id)}
        rec = SfRecord("Opportunity", opp_id, plan.company.id, None, at, values, attributes, chaos={"imported"})
        account.children.append(opp_id)
        self._register(rec)
        self.save(rec, at, None, no_bump=True)

    def _advance_opportunity(self, plan: CompanyPlan, opp_id: str, kind: str, stage: str, close: int, at: int) -> None:
        rec = self.records.get(opp_id)
        if rec is None or rec.is_deleted or rec.fields["IsClosed"]:
            return
        rng, values = plan.rng, rec.fields
        values["StageName"] = stage
        default = float(sf.STAGE_INFO[stage][0])
        custom = stage not in ("Closed Won", "Closed Lost") and chance(rng, 0.1)
        values["Probability"] = float(rng.choice((15, 25, 35, 40, 65, 80))) if custom else default
        if values["Amount"] is None:
            values["Amount"] = round(rng.uniform(*_AMOUNTS[plan.company.size]), -2)
        elif chance(rng, 0.1):
            values["Amount"] = round(values["Amount"] * rng.uniform(0.85, 1.15), -2)
        if stage in ("Closed Won", "Closed Lost"):
            values["CloseDate"] = sf.sf_date(at)
        elif chance(rng, 0.15):
            values["CloseDate"] = sf.sf_date(max(at, close + int(rng.uniform(-10, 30) * DAY)))
        by = values["OwnerId"]
        self.save(rec, at, by)
        if stage == "Closed Won" and kind == "New Business":
            account = self._resolve(values["AccountId"])
            if account is not None and not account.is_deleted:
                # a Flow updates the account in the same transaction: same SystemModstamp
                direct = plan.billing.first_start is not None and chance(rng, 0.9)
                account.fields["Type"] = "Customer - Direct" if direct else "Customer - Channel"
                self.save(account, at, by)

    # -- account life ---------------------------------------------------------------------------

    def _plan_stripe_link(self, plan: CompanyPlan) -> None:
        rng, billing = plan.rng, plan.billing
        mirrored = self.mirrored.get(plan.company.id)
        target = plan.primary_id
        if mirrored is not None and chance(rng, 0.5):
            value, base = mirrored
            tag = "link_mirrors_wrong_metadata"
        elif not billing.customers:
            return
        else:
            primary = billing.customers[0]
            style = weighted(
                rng, [("right", 72), ("missing", 10), ("wrong", 5), ("stale", 4), ("padded", 4), ("on_duplicate", 5)]
            )
            if style == "stale" and len(billing.customers) < 2:
                style = "right"
            if style == "on_duplicate" and plan.dup_id is None:
                style = "right"
            if style == "missing":
                self.schedule(plan.created, partial(self._tag, plan.primary_id, "link_missing"))
                return
            value, base, tag = primary.id, primary.created, f"link_{style}"
            if style == "wrong":
                value = rng.choice(self.primary_customers)
                if value == primary.id:
                    return
            elif style == "stale":
                value, base = billing.customers[1].id, billing.customers[1].created
            elif style == "padded":
                value = f" {value}" if chance(rng, 0.5) else f"{value} "
            elif style == "on_duplicate":
                assert plan.dup_id is not None
                assert plan.dup_created is not None
                target, base = plan.dup_id, max(base, plan.dup_created)
        base = max(base, plan.created + 60)
        if chance(rng, 0.7):
            at, by = next_hour_of_day(base + int(rng.uniform(0, 2 * DAY)), SYNC_HOUR), None
        else:
            at, by = base + int(rng.uniform(HOUR, 30 * DAY)), "owner"
        self.schedule(at, partial(self._set_link, target, value, tag, by))

    def _tag(self, record_id: str, tag: str, at: int) -> None:
        rec = self.records.get(record_id)
        if rec is not None:
            rec.chaos.add(tag)

    def _set_link(self, account_id: str, value: str, tag: str, by: str | None, at: int) -> None:
        rec = self._resolve(account_id)
        if rec is None or rec.is_deleted:
            return
        rec.fields["Stripe_Customer_Id__c"] = value
        rec.chaos.add(tag)
        self.save(rec, at, self.integration_id if by is None else rec.fields["OwnerId"])

    def _plan_account_life(self, plan: CompanyPlan) -> None:
        rng, company, billing = plan.rng, plan.company, plan.billing
        renamed = company.renamed_at
        if renamed is not None:
            renamed_at = int(renamed.timestamp())
            if plan.created < renamed_at <= self.end:
                if chance(rng, 0.6):
                    self.schedule(renamed_at + int(rng.uniform(1, 90) * DAY), partial(self._follow_rename, plan))
                else:
                    self.schedule(renamed_at, partial(self._tag, plan.primary_id, "stale_name"))
        for at in poisson_times(rng, plan.created, self.end, 40 * DAY):
            if billing.paying_at(at) or chance(rng, 0.35):
                self.schedule(at, partial(self._log_activity, plan))
        for at in poisson_times(rng, plan.created, self.end, 300 * DAY):
            self.schedule(at, partial(self._edit_account, plan))
        if not billing.customers and chance(rng, 0.03):
            deleted = plan.created + int(rng.uniform(30, 500) * DAY)
            self.schedule(deleted, partial(self._delete_account, plan.primary_id))
            if chance(rng, 0.3):
                self.schedule(
                    deleted + int(rng.uniform(HOUR, 14 * DAY)), partial(self._undelete_account, plan.primary_id)
                )

    def _follow_rename(self, plan: CompanyPlan, at: int) -> None:
        rec = self._resolve(plan.primary_id)
        if rec is None or rec.is_deleted:
            return
        company = plan.company
        rec.fields["Name"] = company.name if chance(plan.rng, 0.8) else company.legal_name
        rec.chaos.add("renamed")
        rec.chaos.discard("former_name")
        self.save(rec, at, rec.fields["OwnerId"])

    def _log_activity(self, plan: CompanyPlan, at: int) -> None:
        """A task or call is logged: LastActivityDate moves; only SystemModstamp is bumped."""
        target = plan.dup_id if plan.dup_id and chance(plan.rng, 0.2) else plan.primary_id
        rec = self._resolve(target)
        if rec is None or rec.is_deleted or rec.created > at:
            return
        day = at - at % DAY
        if self.last_activity.get(rec.id) == day:
            return
        self.last_activity[rec.id] = day
        rec.fields["LastActivityDate"] = sf.sf_date(at)
        self.save(rec, at, None, system_only=True)

    def _edit_account(self, plan: CompanyPlan, at: int) -> None:
        rec = self._resolve(plan.primary_id)
        if rec is None or rec.is_deleted:
            return
        rng, company, values = plan.rng, plan.company, rec.fields
        kind = weighted(
            rng,
            [
                ("phone", 20),
                ("website", 15),
                ("employees", 20),
                ("country", 10),
                ("description", 20),
                ("industry", 10),
                ("revenue", 5),
            ],
        )
        if kind == "phone":
            values["Phone"] = phone_number(rng, company.country)
        elif kind == "website":
            values["Website"] = chaos.website_text(rng, company)
        elif kind == "employees":
            values["NumberOfEmployees"] = max(1, int(company.employees * rng.uniform(0.8, 1.3)))
        elif kind == "country":
            values["BillingCountry"] = chaos.country_text(rng, company.country)
        elif kind == "description":
            values["Description"] = rng.choice(
                (
                    "Key account",
                    "Evaluating enterprise plan",
                    "Champion left the company",
                    "Uses SSO",
                    "Strategic logo",
                    "Renewal risk: budget cuts",
                    f"Billing contact: {rng.choice(vocab.GENERIC_MAILBOXES)}@{company.domain}",
                )
            )
        elif kind == "industry":
            values["Industry"] = rng.choice(sf.INDUSTRIES)
        else:
            values["AnnualRevenue"] = float(round(company.employees * rng.uniform(60, 260)) * 1000)
        self.save(rec, at, values["OwnerId"])

    def _delete_account(self, account_id: str, at: int) -> None:
        """Deleting an account deletes its contacts and opportunities (same second)."""
        rec = self.records.get(account_id)
        if rec is None or rec.is_deleted:
            return
        by = rec.fields["OwnerId"]
        self._set_deleted(rec, at, True)
        rec.chaos.add("deleted")
        self.save(rec, at, by)
        for child_id in rec.children:
            child = self.records[child_id]
            if child.fields["AccountId"] == account_id and not child.is_deleted:
                self._set_deleted(child, at, True)
                child.chaos.add("cascade_deleted")
                self.save(child, at, by)

    def _undelete_account(self, account_id: str, at: int) -> None:
        """Restored from the recycle bin, with the children its deletion took along."""
        rec = self.records.get(account_id)
        if rec is None or not rec.is_deleted or account_id in self.alias:
            return
        by = rec.fields["OwnerId"]
        self._set_deleted(rec, at, False)
        rec.chaos.add("undeleted")
        self.save(rec, at, by)
        for child_id in rec.children:
            child = self.records[child_id]
            if "cascade_deleted" in child.chaos and child.is_deleted:
                self._set_deleted(child, at, False)
                child.chaos.add("undeleted")
                self.save(child, at, by)
