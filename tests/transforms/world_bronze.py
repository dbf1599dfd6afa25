"""Bronze rows from an acme_world World, as the Stripe tap would emit them (contracts.md §1, §4).

Every object version valid at or before `as_of` becomes one bronze row of its stream, extracted at
`valid_from`: subscription_items are `subscription.items.data`, invoice_line_items are
`invoice.lines.data` with `invoice` set, deleted objects are `{id, object, deleted: true}`. Events
created up to `as_of` go to the events stream. Kept deliberately small: the end-to-end test through
the real tap and loader belongs to the integration suite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .bronze import BronzeRow

STREAM_OF = {
    "customer": "customers",
    "product": "products",
    "price": "prices",
    "subscription": "subscriptions",
    "invoice": "invoices",
    "charge": "charges",
    "refund": "refunds",
}


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def world_bronze_rows(world: Any, as_of: datetime) -> list[BronzeRow]:
    cutoff = int(as_of.timestamp())
    rows: list[BronzeRow] = []
    for index, version in enumerate(world.stripe.versions):
        if version.valid_from > cutoff:
            break  # versions are sorted by (valid_from, id)
        stream = STREAM_OF[version.resource]
        extracted = _at(version.valid_from)
        run_id = f"world-{extracted:%Y%m%d}"
        file_name = f"stripe-{extracted:%Y%m%d}.jsonl"

        def add(
            stream_name: str,
            record: dict[str, Any],
            deleted: bool = False,
            *,
            extracted: datetime = extracted,
            run_id: str = run_id,
            file_name: str = file_name,
            row: int = index,
        ) -> None:
            rows.append(
                BronzeRow(
                    stream=stream_name,
                    record=record,
                    extracted_at=extracted,
                    run_id=run_id,
                    sync_mode="delta",
                    is_deleted=deleted,
                    file_name=file_name,
                    file_row=row,
                )
            )

        body = version.body
        if body is None:
            add(stream, {"id": version.id, "object": version.resource, "deleted": True}, deleted=True)
            continue
        add(stream, body)
        if version.resource == "subscription":
            for item in (body.get("items") or {}).get("data") or []:
                add("subscription_items", item)
        elif version.resource == "invoice":
            for line in (body.get("lines") or {}).get("data") or []:
                add("invoice_line_items", {**line, "invoice": body["id"]})
    for index, event in enumerate(world.stripe.events):
        if event["created"] > cutoff:
            break  # sorted by created
        created = _at(event["created"])
        rows.append(
            BronzeRow(
                stream="events",
                record=event,
                extracted_at=created,
                run_id=f"world-{created:%Y%m%d}",
                sync_mode="delta",
                file_name=f"stripe-events-{created:%Y%m%d}.jsonl",
                file_row=index,
            )
        )
    return rows
