"""Identifiers that look like the real systems' ones, unique within a world.

* Stripe: `cus_`/`prod_`/`si_` + 14 characters; others (`sub_`, `in_`, `ch_`, ...) + 24 characters
  carrying a fixed account tag, like `sub_1Pgc6rB7WZ01zgkWNy0Cn5nw`.
* Salesforce: 15-character ids with the standard 3-character case-safe suffix (18 characters).
"""

from __future__ import annotations

import random
import string

ALPHANUM = string.digits + string.ascii_uppercase + string.ascii_lowercase
ACCOUNT_TAG = "AcmeC1oudW"
_SHORT_PREFIXES = frozenset({"cus", "prod", "si"})
_SF_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


_BYTE_TO_ALPHANUM = "".join(ALPHANUM[b % 62] for b in range(256)).encode("ascii")


def _random_chars(rng: random.Random, n: int) -> str:
    """`n` random alphanumeric characters (bytes mapped through a table: fast, nearly uniform)."""
    return rng.randbytes(n).translate(_BYTE_TO_ALPHANUM).decode("ascii")


def salesforce_checksum(id15: str) -> str:
    """The 3-character suffix that turns a 15-character Salesforce id into the 18-character form."""
    suffix = ""
    for chunk_start in range(0, 15, 5):
        bits = 0
        for position, char in enumerate(id15[chunk_start : chunk_start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _SF_SUFFIX_CHARS[bits]
    return suffix


class IdFactory:
    """Draws ids from a caller's stream and guarantees uniqueness across the whole world."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def _claim(self, candidate: str) -> bool:
        if candidate in self._seen:
            return False
        self._seen.add(candidate)
        return True

    def stripe(self, prefix: str, rng: random.Random) -> str:
        """A new Stripe-style id such as `cus_Qx...` or `in_1...AcmeC1oudW...`."""
        while True:
            if prefix in _SHORT_PREFIXES:
                candidate = f"{prefix}_{_random_chars(rng, 14)}"
            else:
                candidate = f"{prefix}_1{_random_chars(rng, 5)}{ACCOUNT_TAG}{_random_chars(rng, 8)}"
            if self._claim(candidate):
                return candidate

    def salesforce(self, key_prefix: str, rng: random.Random) -> str:
        """A new 18-character Salesforce id with the given 3-character key prefix (e.g. `001`)."""
        while True:
            id15 = f"{key_prefix}Dn0000{_random_chars(rng, 6)}"
            if self._claim(id15):
                return id15 + salesforce_checksum(id15)

    def token(self, rng: random.Random, n: int, alphabet: str = ALPHANUM) -> str:
        """A free-form unique token of `n` characters (invoice prefixes, fingerprints)."""
        while True:
            candidate = "".join(rng.choices(alphabet, k=n))
            if self._claim(candidate):
                return candidate
