"""Static word lists the generator draws from (names, places, industries, roles)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    """A country companies can be based in, with what its records look like."""

    code: str
    weight: float
    currency: str
    tld: str
    legal_suffixes: tuple[str, ...]
    cities: tuple[tuple[str, str | None], ...]  # (city, state/region)
    postal_format: str  # '#' digit, 'A' upper-case letter
    phone_prefix: str
    locale: str


COUNTRIES: tuple[Country, ...] = (
    Country("US", 44, "usd", "com", ("Inc.", "LLC", "Corp.", "Inc"),
            (("San Francisco", "CA"), ("New York", "NY"), ("Austin", "TX"), ("Seattle", "WA"),
             ("Boston", "MA"), ("Chicago", "IL"), ("Denver", "CO"), ("Atlanta", "GA")),
            "#####", "+1", "en-US"),
    Country("GB", 12, "gbp", "co.uk", ("Ltd", "Limited", "PLC"),
            (("London", None), ("Manchester", None), ("Edinburgh", None), ("Bristol", None)),
            "AA# #AA", "+44", "en-GB"),
    Country("DE", 10, "eur", "de", ("GmbH", "AG", "GmbH & Co. KG"),
            (("Berlin", None), ("Munich", None), ("Hamburg", None), ("Cologne", None)),
            "#####", "+49", "de-DE"),
    Country("FR", 7, "eur", "fr", ("SAS", "SA", "SARL"),
            (("Paris", None), ("Lyon", None), ("Toulouse", None), ("Nantes", None)),
            "#####", "+33", "fr-FR"),
    Country("NL", 4, "eur", "nl", ("B.V.", "N.V."),
            (("Amsterdam", None), ("Rotterdam", None), ("Utrecht", None)),
            "#### AA", "+31", "nl-NL"),
    Country("IE", 2, "eur", "ie", ("Ltd", "DAC"),
            (("Dublin", None), ("Cork", None)), "A## A#A#", "+353", "en-IE"),
    Country("ES", 3, "eur", "es", ("S.L.", "S.A."),
            (("Madrid", None), ("Barcelona", None), ("Valencia", None)), "#####", "+34", "es-ES"),
    Country("IT", 3, "eur", "it", ("S.r.l.", "S.p.A."),
            (("Milan", None), ("Rome", None), ("Turin", None)), "#####", "+39", "it-IT"),
    Country("SE", 2, "eur", "se", ("AB",),
            (("Stockholm", None), ("Gothenburg", None)), "### ##", "+46", "sv-SE"),
    Country("CA", 5, "usd", "ca", ("Inc.", "Ltd."),
            (("Toronto", "ON"), ("Vancouver", "BC"), ("Montreal", "QC")), "A#A #A#", "+1", "en-CA"),
    Country("AU", 4, "usd", "com.au", ("Pty Ltd",),
            (("Sydney", "NSW"), ("Melbourne", "VIC"), ("Brisbane", "QLD")), "####", "+61", "en-AU"),
    Country("IN", 3, "usd", "in", ("Pvt Ltd", "Private Limited"),
            (("Bengaluru", "KA"), ("Mumbai", "MH"), ("Pune", "MH")), "######", "+91", "en-IN"),
    Country("SG", 1, "usd", "sg", ("Pte. Ltd.",),
            (("Singapore", None),), "######", "+65", "en-SG"),
)

INDUSTRIES: tuple[str, ...] = (
    "Software", "Financial Services", "Healthcare", "Retail", "E-commerce", "Media",
    "Education", "Manufacturing", "Logistics", "Real Estate", "Marketing", "Consulting",
    "Telecommunications", "Travel", "Energy", "Nonprofit", "Gaming", "Insurance",
)

# (band, min employees, max employees, weight)
SIZE_BANDS: tuple[tuple[str, int, int, float], ...] = (
    ("1-10", 1, 10, 30),
    ("11-50", 11, 50, 32),
    ("51-200", 51, 200, 20),
    ("201-1000", 201, 1000, 12),
    ("1001-5000", 1001, 5000, 5),
    ("5001+", 5001, 40000, 1),
)

BRAND_HEADS: tuple[str, ...] = (
    "Bright", "Blue", "Silver", "North", "Cloud", "Data", "Iron", "Quantum", "Red", "Green",
    "Swift", "Clear", "Deep", "Open", "Nova", "Peak", "Pixel", "Solar", "Terra", "Vector",
    "Zen", "Apex", "Arc", "Atlas", "Beacon", "Cedar", "Core", "Crest", "Delta", "Echo",
    "Ember", "Flux", "Granite", "Harbor", "Helix", "Hyper", "Lumen", "Maple", "Meridian",
    "Nimbus", "Oak", "Orbit", "Polar", "Prism", "Pulse", "Quartz", "Rapid", "River", "Sage",
    "Signal", "Sky", "Spark", "Stone", "Summit", "Tidal", "True", "Vertex", "Wild", "Zephyr",
)
BRAND_TAILS: tuple[str, ...] = (
    "wave", "point", "stack", "works", "labs", "ly", "io", "hub", "base", "forge", "line",
    "path", "scale", "logic", "mind", "bridge", "field", "gate", "grid", "loop", "metrics",
    "nest", "shift", "sight", "soft", "sync", "ware", "way", "wise", "yard", "beam", "bit",
    "craft", "dock", "flow", "leaf", "lane", "mark", "port", "ray",
)
BRAND_NOUNS: tuple[str, ...] = (
    "Analytics", "Systems", "Health", "Logistics", "Media", "Foods", "Energy", "Partners",
    "Robotics", "Studios", "Capital", "Networks", "Outdoors", "Learning", "Security", "Travel",
    "Apparel", "Motors", "Bio", "Commerce",
)

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark",
    "Ashley", "Steven", "Emily", "Andrew", "Michelle", "Joshua", "Amanda", "Kevin", "Melissa",
    "Brian", "Laura", "George", "Rebecca", "Lukas", "Sophie", "Leon", "Emma", "Maximilian",
    "Hannah", "Louis", "Camille", "Hugo", "Chloe", "Luca", "Giulia", "Mateo", "Lucia", "Sven",
    "Astrid", "Daan", "Fleur", "Aoife", "Cian", "Priya", "Arjun", "Ananya", "Rohan", "Wei",
    "Mei", "Hiroshi", "Yuki", "Olivia", "Noah", "Ava", "Liam", "Isla", "Oliver", "Amelia",
    "Jack", "Grace", "Harry", "Chen", "Fatima", "Omar", "Zara", "Ines", "Pedro",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson",
    "Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Moreau", "Laurent",
    "Bernard", "Rossi", "Russo", "Ferrari", "Fernandez", "Gonzalez", "Johansson", "Lindberg",
    "de Vries", "Jansen", "Murphy", "O'Brien", "Kelly", "Patel", "Sharma", "Gupta", "Iyer",
    "Wang", "Zhang", "Tanaka", "Sato", "Nguyen", "Kim", "Park", "Cohen", "Novak", "Silva",
    "Costa", "MacDonald", "Campbell", "Evans", "Hughes", "Kowalski", "Nowak", "Okafor",
)

STREET_NAMES: tuple[str, ...] = (
    "Market", "Main", "High", "Church", "Mill", "Park", "Station", "King", "Queen", "Oak",
    "Elm", "Maple", "Harbour", "River", "Bridge", "Garden", "Victoria", "Mission", "Lake",
)
STREET_KINDS: tuple[str, ...] = ("Street", "Avenue", "Road", "Lane", "Way", "Boulevard")

LEADER_ROLES: tuple[str, ...] = ("CEO", "Founder", "Co-Founder & CEO", "Managing Director")
FINANCE_ROLES: tuple[str, ...] = (
    "Head of Finance", "Finance Manager", "Accounts Payable Specialist", "Controller", "CFO",
)
OTHER_ROLES: tuple[str, ...] = (
    "CTO", "VP Engineering", "Engineering Manager", "Software Engineer", "DevOps Engineer",
    "Data Engineer", "Product Manager", "IT Administrator", "Head of Operations",
    "Office Manager", "Procurement Manager", "Customer Success Lead", "Head of Marketing",
    "Security Engineer", "Solutions Architect",
)

FREE_MAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me",
    "gmx.de", "web.de", "orange.fr", "yahoo.co.uk",
)
GENERIC_MAILBOXES: tuple[str, ...] = ("billing", "accounts", "finance", "ap", "invoices", "admin")
