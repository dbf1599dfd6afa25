"""Derive the tap's JSON schemas from Stripe's published example objects (fixtures3.json).

Usage (from the repository root; the fixtures are reference data beside the repo, never shipped)::

    uv run python sources/stripe/tools/derive_schemas.py ../shared/reference/stripe/fixtures3.json

Every top-level property of the example object becomes a nullable property typed from its
example value (any JSON type when the example is null); nested objects stay open (no ``properties``),
and ``additionalProperties`` is true, so singer-sdk never drops a field the API adds later.
The tap's own fields (``_sdc_cursor``, ``_sdc_deleted_at``, ``deleted``) are added per stream.
"""

from __future__ import annotations

import argparse
import json
import typing as t
from pathlib import Path

SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "tap_stripe" / "schemas"

#: stream name -> (fixture resource, adds the object-stream fields)
STREAMS: dict[str, tuple[str, bool]] = {
    "customers": ("customer", True),
    "subscriptions": ("subscription", True),
    "subscription_items": ("subscription_item", False),
    "invoices": ("invoice", True),
    "invoice_line_items": ("line_item", False),
    "charges": ("charge", True),
    "refunds": ("refund", True),
    "products": ("product", True),
    "prices": ("price", True),
    "events": ("event", False),
}

OBJECT_STREAM_FIELDS: dict[str, dict[str, t.Any]] = {
    "_sdc_cursor": {
        "type": ["integer", "null"],
        "description": "Replication key added by the tap: `created`, or the change event's `created`.",
    },
    "_sdc_deleted_at": {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "Added by the tap for objects deleted at the source (time of the *.deleted event).",
    },
    "deleted": {"type": ["boolean", "null"], "description": "True for deleted objects."},
}

#: Any JSON value (singer-sdk needs a type on every property, so ``{}`` will not do).
ANY: dict[str, t.Any] = {"type": ["null", "string", "number", "boolean", "object", "array"]}

#: Properties always present (the primary key and the type tag).
REQUIRED_NON_NULL = {"id": {"type": "string"}, "object": {"type": "string"}}


def property_schema(value: t.Any) -> dict[str, t.Any]:
    """Nullable JSON schema for an example value."""
    if value is None:
        return dict(ANY)
    if isinstance(value, bool):
        return {"type": ["boolean", "null"]}
    if isinstance(value, int):
        return {"type": ["integer", "null"]}
    if isinstance(value, float):
        return {"type": ["number", "null"]}
    if isinstance(value, str):
        return {"type": ["string", "null"]}
    if isinstance(value, list):
        # No ``items``: singer-sdk then passes list elements through untouched.
        return {"type": ["array", "null"]}
    return {"type": ["object", "null"], "additionalProperties": True}


def stream_schema(example: dict[str, t.Any], object_stream: bool) -> dict[str, t.Any]:
    """Schema of one stream from its example object."""
    properties = {
        name: REQUIRED_NON_NULL.get(name) or property_schema(value) for name, value in sorted(example.items())
    }
    if object_stream:
        properties.update(OBJECT_STREAM_FIELDS)
    return {"type": "object", "additionalProperties": True, "properties": properties, "required": ["id"]}


def main() -> None:
    """Write one ``<stream>.json`` per stream."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixtures", type=Path, help="path to Stripe's fixtures3.json")
    args = parser.parse_args()
    resources = json.loads(args.fixtures.read_text())["resources"]
    SCHEMAS_DIR.mkdir(parents=True, exist_ok=True)
    for stream, (resource, object_stream) in STREAMS.items():
        schema = stream_schema(resources[resource], object_stream)
        (SCHEMAS_DIR / f"{stream}.json").write_text(json.dumps(schema, indent=2) + "\n")
        print(f"{stream}: {len(schema['properties'])} properties from `{resource}`")


if __name__ == "__main__":
    main()
