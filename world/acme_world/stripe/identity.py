"""How a company and its people show up on a Stripe customer, with realistic identifier chaos.

Names drift from the company name (legal names, person names, upper case, stale pre-rename names),
emails differ in case and whitespace, use free-mail or shared mailboxes, and
`metadata.salesforce_account_id` is usually right, sometimes 15-character, missing or wrong.
The true company and person are kept separately in the ledger.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from acme_world.core import COUNTRY_BY_CODE, Company, Person, phone_number, street_address
from acme_world.model import Body
from acme_world.rng import chance, weighted
from acme_world.timeline import from_epoch
from acme_world.vocab import GENERIC_MAILBOXES


@dataclass(frozen=True, slots=True)
class Identity:
    """What a Stripe customer says about who it is."""

    name: str | None
    email: str | None
    person_id: str | None
    phone: str | None
    address: Body
    metadata: dict[str, str]
    preferred_locales: list[str]


def billing_contact(people: list[Person]) -> Person:
    """The person who usually owns billing: the finance contact, else the first person."""
    return people[1] if len(people) > 1 else people[0]


def customer_name(rng: random.Random, company: Company, people: list[Person], at: int) -> str | None:
    """A customer name as someone typed it at `at`."""
    name = company.name_at(from_epoch(at))
    style = weighted(
        rng,
        [
            ("name", 45),
            ("legal", 15),
            ("upper", 5),
            ("space", 3),
            ("person", 15),
            ("city", 5),
            ("domain", 7),
            ("none", 5),
        ],
    )
    if style == "legal":
        return company.legal_name if name == company.name else name
    if style == "upper":
        return name.upper()
    if style == "space":
        return f"{name} "
    if style == "person":
        return rng.choice(people).name
    if style == "city":
        return f"{name} ({company.city})"
    if style == "domain":
        return company.domain
    if style == "none":
        return None
    return name


def _messy(rng: random.Random, email: str) -> str:
    roll = rng.random()
    if roll < 0.10:
        local, domain = email.split("@")
        return f"{local.title()}@{domain.capitalize()}"
    if roll < 0.13:
        return email.upper()
    if roll < 0.18:
        return f" {email} " if chance(rng, 0.5) else f"{email} "
    return email


def customer_email(
    rng: random.Random, company: Company, people: list[Person], current: str | None = None
) -> tuple[str | None, str | None]:
    """(email, true person id or None) for a customer of `company`."""
    contact = billing_contact(people)
    style = weighted(rng, [("contact", 55), ("generic", 17), ("freemail", 15), ("other", 10), ("none", 3)])
    if style == "generic":
        return f"{rng.choice(GENERIC_MAILBOXES)}@{company.domain}", None
    if style == "freemail":
        return _messy(rng, contact.personal_email), contact.id
    if style == "other":
        person = rng.choice(people)
        return _messy(rng, person.email), person.id
    if style == "none" and current is None:
        return None, None
    return _messy(rng, contact.email), contact.id


def customer_address(rng: random.Random, company: Company) -> Body:
    """A billing address in the company's country."""
    line1, postal = street_address(rng, company.country)
    city, state = company.city, company.state
    if chance(rng, 0.2):
        city, state = rng.choice(COUNTRY_BY_CODE[company.country].cities)
    return {
        "city": city,
        "country": company.country,
        "line1": line1,
        "line2": f"Suite {rng.randint(100, 999)}" if chance(rng, 0.25) else None,
        "postal_code": postal,
        "state": state,
    }


def salesforce_metadata(rng: random.Random, company: Company, companies: list[Company]) -> dict[str, str]:
    """`metadata` carrying (usually) the company's Salesforce account id."""
    style = weighted(rng, [("right", 80), ("short", 6), ("missing", 8), ("wrong", 4), ("other_key", 2)])
    account = company.salesforce_account_id
    if style == "short":
        return {"salesforce_account_id": account[:15]}
    if style == "missing":
        return {"signup_source": "self_serve"} if chance(rng, 0.5) else {}
    if style == "wrong":
        other = rng.choice(companies)
        if other.id != company.id:
            return {"salesforce_account_id": other.salesforce_account_id}
    if style == "other_key":
        return {"sfdc_account_id": account}
    return {"salesforce_account_id": account}


def initial_identity(
    rng: random.Random, company: Company, people: list[Person], companies: list[Company], at: int
) -> Identity:
    """Everything a new customer record says about its owner."""
    email, person_id = customer_email(rng, company, people)
    country = COUNTRY_BY_CODE[company.country]
    return Identity(
        name=customer_name(rng, company, people, at),
        email=email,
        person_id=person_id,
        phone=phone_number(rng, company.country) if chance(rng, 0.55) else None,
        address=customer_address(rng, company),
        metadata=salesforce_metadata(rng, company, companies),
        preferred_locales=[country.locale] if chance(rng, 0.4) else [],
    )
