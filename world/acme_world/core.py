"""Core entities every source-system view is derived from: companies and their people.

These are the *true* entities. Views (Stripe now; Salesforce and Zendesk next) render them with
their own identifier chaos, and the ground truth maps every view record back to a company here.

Extension points for the next views:
* `Company.salesforce_account_id` is the id of the company's primary Salesforce account; the
  Salesforce view must use it (Stripe metadata already points at it).
* `Company.former_name`/`renamed_at` and `Person.personal_email` are the raw material for
  renamed-company and free-mail chaos; `Company.name_at(t)` gives the name as known at a time.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime

from acme_world import vocab
from acme_world.ids import IdFactory
from acme_world.rng import chance, derive, weighted
from acme_world.timeline import DAY, Timeline, from_epoch, to_epoch


@dataclass(frozen=True, slots=True)
class Company:
    """A true customer organisation."""

    id: str
    name: str
    legal_name: str
    domain: str
    website: str
    country: str
    city: str
    state: str | None
    industry: str
    size: str
    employees: int
    created: datetime
    salesforce_account_id: str
    email_pattern: str
    former_name: str | None = None
    renamed_at: datetime | None = None

    def name_at(self, moment: datetime) -> str:
        """The company's name as it was at `moment` (before a rename: the former name)."""
        if self.former_name is not None and self.renamed_at is not None and moment < self.renamed_at:
            return self.former_name
        return self.name


@dataclass(frozen=True, slots=True)
class Person:
    """A true person working at a company."""

    id: str
    company_id: str
    first_name: str
    last_name: str
    email: str
    personal_email: str
    role: str
    phone: str
    created: datetime

    @property
    def name(self) -> str:
        """Full name."""
        return f"{self.first_name} {self.last_name}"


@dataclass
class Core:
    """All companies and people, with lookups."""

    companies: list[Company]
    people: list[Person]
    people_by_company: dict[str, list[Person]] = field(default_factory=dict)
    company_by_id: dict[str, Company] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.company_by_id = {company.id: company for company in self.companies}
        self.people_by_company = {company.id: [] for company in self.companies}
        for person in self.people:
            self.people_by_company[person.company_id].append(person)


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits only (for domains and email local parts)."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


COUNTRY_BY_CODE = {country.code: country for country in vocab.COUNTRIES}


def _brand(rng: random.Random) -> str:
    style = rng.random()
    if style < 0.55:
        return rng.choice(vocab.BRAND_HEADS) + rng.choice(vocab.BRAND_TAILS)
    if style < 0.85:
        return f"{rng.choice(vocab.BRAND_HEADS)} {rng.choice(vocab.BRAND_NOUNS)}"
    return f"{rng.choice(vocab.LAST_NAMES)} & {rng.choice(vocab.LAST_NAMES)}"


class _DomainRegistry:
    def __init__(self) -> None:
        self.taken: set[str] = set()

    def claim(self, brand: str, tld: str, rng: random.Random) -> str:
        base = slug(brand)
        candidates = [base, f"{base}hq", f"get{base}", f"{base}app", f"{base}group"]
        for candidate in candidates:
            domain = f"{candidate}.{tld}"
            if domain not in self.taken:
                self.taken.add(domain)
                return domain
        while True:
            domain = f"{base}{rng.randint(2, 999)}.{tld}"
            if domain not in self.taken:
                self.taken.add(domain)
                return domain


def _company_created(rng: random.Random, timeline: Timeline) -> int:
    """Creation instants grow denser towards the present (the business grows)."""
    earliest = timeline.start - 540 * DAY
    return earliest + int((timeline.end - earliest) * rng.random() ** 0.8)


def _postal(rng: random.Random, fmt: str) -> str:
    return "".join(
        str(rng.randint(0, 9)) if c == "#" else rng.choice("ABCDEFGHJKLMNPRSTUVWXY") if c == "A" else c for c in fmt
    )


def street_address(rng: random.Random, country: str) -> tuple[str, str]:
    """(line1, postal_code) for an address in `country`."""
    line1 = f"{rng.randint(1, 999)} {rng.choice(vocab.STREET_NAMES)} {rng.choice(vocab.STREET_KINDS)}"
    return line1, _postal(rng, COUNTRY_BY_CODE[country].postal_format)


def phone_number(rng: random.Random, country: str) -> str:
    """A plausible phone number in international format."""
    prefix = COUNTRY_BY_CODE[country].phone_prefix
    return f"{prefix} {rng.randint(200, 989)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def _make_company(
    index: int, rng: random.Random, timeline: Timeline, ids: IdFactory, domains: _DomainRegistry
) -> Company:
    country = weighted(rng, [(c, c.weight) for c in vocab.COUNTRIES])
    brand = _brand(rng)
    band = weighted(rng, [(b, b[3]) for b in vocab.SIZE_BANDS])
    city, state = rng.choice(country.cities)
    created = _company_created(rng, timeline)
    former_name: str | None = None
    renamed_at: datetime | None = None
    if chance(rng, 0.04):
        former_name = brand
        brand = _brand(rng)
        renamed_at = from_epoch(created + int((timeline.end - created) * rng.uniform(0.2, 0.95)))
    domain = domains.claim(brand if former_name is None or chance(rng, 0.5) else former_name, country.tld, rng)
    return Company(
        id=f"cmp_{index:06d}",
        name=brand,
        legal_name=f"{brand} {rng.choice(country.legal_suffixes)}",
        domain=domain,
        website=f"https://www.{domain}",
        country=country.code,
        city=city,
        state=state,
        industry=rng.choice(vocab.INDUSTRIES),
        size=band[0],
        employees=rng.randint(band[1], band[2]),
        created=from_epoch(created),
        salesforce_account_id=ids.salesforce("001", rng),
        email_pattern=weighted(rng, [("first.last", 60), ("flast", 20), ("first", 10), ("first_last", 10)]),
        former_name=former_name,
        renamed_at=renamed_at,
    )


_PEOPLE_RANGE = {
    "1-10": (1, 3),
    "11-50": (2, 5),
    "51-200": (3, 7),
    "201-1000": (4, 9),
    "1001-5000": (5, 12),
    "5001+": (6, 15),
}


def _local_part(pattern: str, first: str, last: str) -> str:
    f, last_slug = slug(first), slug(last)
    if pattern == "first.last":
        return f"{f}.{last_slug}"
    if pattern == "flast":
        return f"{f[0]}{last_slug}"
    if pattern == "first":
        return f
    return f"{f}_{last_slug}"


def _make_people(company: Company, rng: random.Random, next_index: int) -> list[Person]:
    low, high = _PEOPLE_RANGE[company.size]
    count = rng.randint(low, high)
    people: list[Person] = []
    used_locals: set[str] = set()
    company_created = to_epoch(company.created)
    for position in range(count):
        first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
        local = _local_part(company.email_pattern, first, last)
        suffix = 2
        candidate = local
        while candidate in used_locals:
            candidate = f"{local}{suffix}"
            suffix += 1
        used_locals.add(candidate)
        if position == 0:
            role = rng.choice(vocab.LEADER_ROLES)
        elif position == 1:
            role = rng.choice(vocab.FINANCE_ROLES)
        else:
            role = rng.choice(vocab.OTHER_ROLES)
        personal = f"{slug(first)}.{slug(last)}{rng.randint(60, 99) if chance(rng, 0.5) else ''}"
        people.append(
            Person(
                id=f"per_{next_index + position:07d}",
                company_id=company.id,
                first_name=first,
                last_name=last,
                email=f"{candidate}@{company.domain}",
                personal_email=f"{personal}@{rng.choice(vocab.FREE_MAIL_DOMAINS)}",
                role=role,
                phone=phone_number(rng, company.country),
                created=from_epoch(company_created + position * rng.randint(0, 40) * DAY),
            )
        )
    return people


def build_core(seed: int, n_companies: int, timeline: Timeline, ids: IdFactory) -> Core:
    """Generate `n_companies` companies and their people, deterministically for `seed`."""
    rng = derive(seed, "core", "companies")
    domains = _DomainRegistry()
    companies = [_make_company(i + 1, rng, timeline, ids, domains) for i in range(n_companies)]
    people: list[Person] = []
    people_rng = derive(seed, "core", "people")
    for company in companies:
        people.extend(_make_people(company, people_rng, len(people) + 1))
    return Core(companies=companies, people=people)
