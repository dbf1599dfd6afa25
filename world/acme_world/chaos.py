"""Identifier chaos shared by the Salesforce and Zendesk views (the Stripe view has its own).

Every function draws only from the caller's stream, so a view's output depends on its own seed
stream alone.
"""

from __future__ import annotations

import random

from acme_world.core import Company
from acme_world.rng import chance, weighted

COUNTRY_NAMES: dict[str, str] = {
    "US": "United States",
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
    "NL": "Netherlands",
    "IE": "Ireland",
    "ES": "Spain",
    "IT": "Italy",
    "SE": "Sweden",
    "CA": "Canada",
    "AU": "Australia",
    "IN": "India",
    "SG": "Singapore",
}
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": ("USA", "U.S.", "United States of America", "us"),
    "GB": ("UK", "England", "Great Britain"),
    "DE": ("Deutschland", "GER"),
    "FR": ("FRANCE",),
    "NL": ("Holland", "The Netherlands"),
    "IE": ("Republic of Ireland",),
    "ES": ("España",),
    "IT": ("Italia",),
    "SE": ("Sverige",),
    "CA": ("CAN",),
    "AU": ("AUS",),
    "IN": ("IND",),
    "SG": ("SGP",),
}


def messy_case(rng: random.Random, email: str) -> str:
    """An email as typed by a person: sometimes Title-Cased, upper-cased or padded with blanks."""
    roll = rng.random()
    if roll < 0.08:
        local, domain = email.split("@")
        return f"{local.title()}@{domain.capitalize()}"
    if roll < 0.11:
        return email.upper()
    if roll < 0.16:
        return f" {email}" if chance(rng, 0.5) else f"{email} "
    return email


def country_text(rng: random.Random, code: str) -> str | None:
    """A free-text country as sales reps type it: the name, the ISO code or a local alias."""
    style = weighted(rng, [("name", 62), ("code", 22), ("alias", 11), ("none", 5)])
    if style == "code":
        return code
    if style == "alias":
        return rng.choice(COUNTRY_ALIASES[code])
    if style == "none":
        return None
    return COUNTRY_NAMES[code]


def website_text(rng: random.Random, company: Company) -> str | None:
    """The company's website as someone entered it (scheme, `www.` and all optional)."""
    style = weighted(rng, [("url", 68), ("http", 8), ("bare", 11), ("www", 6), ("none", 7)])
    if style == "http":
        return f"http://{company.domain}"
    if style == "bare":
        return company.domain
    if style == "www":
        return f"www.{company.domain}"
    if style == "none":
        return None
    return company.website


def name_variant(rng: random.Random, name: str, legal_name: str, city: str, domain: str) -> str:
    """A second spelling of a company name, as a duplicate record would carry it."""
    style = weighted(
        rng, [("upper_legal", 25), ("corp", 20), ("legal", 15), ("city", 15), ("domain", 10), ("lower", 8), ("the", 7)]
    )
    if style == "upper_legal":
        return legal_name.upper()
    if style == "corp":
        return f"{name} {rng.choice(('Corp', 'Corporation', 'Inc', 'Group', 'Ltd'))}"
    if style == "legal":
        return legal_name
    if style == "city":
        return f"{name} - {city}"
    if style == "domain":
        return domain
    if style == "lower":
        return name.lower()
    return f"The {name}"
