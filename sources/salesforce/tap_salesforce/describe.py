"""Schemas from ``/sobjects/<object>/describe``, and typing of Bulk API CSV values.

Every run builds each stream's schema from describe, so a field an admin adds (``Health_Score__c``)
is in the next run's SCHEMA message and its values land in bronze without a code change. The
stream's file in ``schemas/`` holds what the tap adds (``_sdc_deleted_at``) and the fields it cannot
work without (``Id``, ``SystemModstamp``).
"""

from __future__ import annotations

import typing as t

STRING_TYPES = frozenset(
    {
        "id",
        "string",
        "textarea",
        "url",
        "phone",
        "email",
        "picklist",
        "multipicklist",
        "combobox",
        "reference",
        "encryptedstring",
        "base64",
        "time",
    }
)
INTEGER_TYPES = frozenset({"int", "long"})
NUMBER_TYPES = frozenset({"double", "currency", "percent"})
#: Compound fields (REST-only objects) are left out: Bulk API cannot return them, and their parts
#: (``BillingCity`` …) are fields of their own.
SKIPPED_TYPES = frozenset({"address", "location", "anyType", "complexvalue"})


def property_schema(field_type: str) -> dict[str, t.Any] | None:
    """JSON schema of one describe field type (None for types the tap does not extract)."""
    if field_type in SKIPPED_TYPES:
        return None
    if field_type == "boolean":
        return {"type": ["boolean", "null"]}
    if field_type in INTEGER_TYPES:
        return {"type": ["integer", "null"]}
    if field_type in NUMBER_TYPES:
        return {"type": ["number", "null"]}
    if field_type == "date":
        return {"type": ["string", "null"], "format": "date"}
    if field_type == "datetime":
        return {"type": ["string", "null"], "format": "date-time"}
    return {"type": ["string", "null"]}


def field_types(describe: dict[str, t.Any]) -> dict[str, str]:
    """Extractable field name → describe type, in describe order."""
    return {f["name"]: f["type"] for f in describe.get("fields", []) if property_schema(f["type"]) is not None}


def stream_schema(describe: dict[str, t.Any], base: dict[str, t.Any]) -> dict[str, t.Any]:
    """``base`` (from ``schemas/<stream>.json``) plus one property per extractable describe field."""
    properties: dict[str, t.Any] = {}
    for name, field_type in field_types(describe).items():
        schema = property_schema(field_type)
        if schema is not None:
            properties[name] = schema
    for name, schema in base.get("properties", {}).items():
        properties[name] = {**properties.get(name, {}), **schema}
    missing = [name for name in base.get("required", []) if name not in field_types(describe)]
    if missing:
        msg = f"salesforce: describe of {describe.get('name')} lacks required field(s) {missing}"
        raise ValueError(msg)
    return {**base, "type": "object", "properties": properties}


def normalize_datetime(value: str) -> str:
    """A Salesforce datetime as the REST API writes it: ``2024-03-01T10:00:00.000+0000``.

    Bulk API 2.0 writes ``2024-03-01T10:00:00.000Z``; one spelling keeps bookmarks comparable
    and bronze uniform.
    """
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+0000"
    elif len(text) > 6 and text[-6] in "+-" and text[-3] == ":":
        text = text[:-3] + text[-2:]
    if len(text) >= 24 and text[19] != ".":
        text = text[:19] + ".000" + text[19:]
    return text


def typed_value(raw: str | None, field_type: str) -> t.Any:
    """A Bulk API CSV cell as the JSON value the REST API would give (empty cell → None)."""
    if raw is None or raw == "":
        return None
    if field_type == "boolean":
        return raw.lower() == "true"
    if field_type in INTEGER_TYPES:
        return int(float(raw))
    if field_type in NUMBER_TYPES:
        return float(raw)
    if field_type == "datetime":
        return normalize_datetime(raw)
    return raw
