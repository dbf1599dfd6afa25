"""A bronze history for delete detection and schema drift (latest_version_with_deletes, stg_bronze__*).

Customers are read by deltas and by daily full reloads; `bronze._load_audit` says which full runs
completed. Expected results are worked out by hand in EXPECTED_CUSTOMERS (comments say why).
Shared by the DuckDB and fakesnow tests.
"""

from __future__ import annotations

from datetime import datetime

from . import stripe_objects as so
from .bronze import BronzeRow, LoadAudit, SchemaVersion

#: dbt selection: the models under test and their own tests only
SELECT = [
    "--select",
    "stg_stripe__customers",
    "stg_stripe__charges",
    "stg_bronze__load_audit",
    "stg_bronze__schema_changes",
    "--indirect-selection",
    "cautious",
]

F1, F2, F3 = "run-full-1", "run-full-2", "run-full-3"  # complete full snapshots (audit rows)
F4_CRASHED = "run-full-4"  # rows with _sync_mode 'full', no audit row
CR = "run-charges-reconcile"  # a complete scoped snapshot of charges (audit row + _snapshot_scopes)
#: charge -> created date: ch_3 and ch_4 inside CR's recent range, ch_5 inside its old week, ch_6 outside
SCOPED_CHARGES = {"ch_3": "2025-03-10", "ch_4": "2025-03-12", "ch_5": "2025-02-04", "ch_6": "2025-02-20"}
CR_RANGES = ((1_740_787_200, None), (1_738_540_800, 1_739_145_600))  # [2025-03-01, ∞), [2025-02-03, 2025-02-10)
SNAPSHOT_START = {
    CR: "2025-04-10T00:00:00",
    F1: "2025-02-01T00:00:00",
    F2: "2025-03-01T00:00:00",
    F3: "2025-04-01T00:00:00",
    F4_CRASHED: "2025-05-01T00:00:00",
}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _customer(cid: str) -> dict:
    return so.customer(cid, "2025-01-01")


def bronze_rows() -> list[BronzeRow]:
    rows: list[BronzeRow] = []

    def delta(
        record: dict, extracted: str, run_id: str, stream: str = "customers", is_deleted: bool | None = None
    ) -> None:
        rows.append(BronzeRow(stream, record, _at(extracted), run_id=run_id, sync_mode="delta", is_deleted=is_deleted))

    def full(run_id: str, ids: list[str], stream: str = "customers") -> None:
        # a full run's rows are extracted a few minutes after the loader opened the stream
        start = _at(SNAPSHOT_START[run_id]).replace(minute=5)
        for cid in ids:
            record = (
                _customer(cid)
                if stream == "customers"
                else so.charge(cid, "cus_1", None, 100, "2025-01-05", "succeeded")
            )
            rows.append(
                BronzeRow(stream, record, start, run_id=run_id, sync_mode="full", file_name=f"{run_id}-{stream}.jsonl")
            )

    # first delta: every customer that exists in January
    for cid in ("cus_1", "cus_2", "cus_3", "cus_4", "cus_7", "cus_9", "cus_10"):
        delta(_customer(cid), "2025-01-15T10:00:00", "run-delta-1")
    full(F1, ["cus_1", "cus_2", "cus_3", "cus_4", "cus_7", "cus_9", "cus_10"])
    # cus_4: deleted with an event -> tombstone from a delta
    delta(so.tombstone("customer", "cus_4"), "2025-02-15T10:00:00", "run-delta-2", is_deleted=True)
    # cus_5: created after F1, seen by a delta, then in F2 and F3
    delta(_customer("cus_5"), "2025-02-20T10:00:00", "run-delta-2")
    full(F2, ["cus_1", "cus_3", "cus_5", "cus_7", "cus_10"])  # cus_2, cus_9 gone (no event)
    # cus_6: created while F2 ran, after its list passed: absent from F2, seen by a delta after F2 started
    delta(_customer("cus_6"), "2025-03-01T02:00:00", "run-delta-3")
    # cus_9 comes back (restored / listed again) after F2 missed it
    delta(_customer("cus_9"), "2025-03-15T10:00:00", "run-delta-4")
    # cus_10: the source tombstone arrives after F2 had already listed it, and F3 misses it too
    delta(so.tombstone("customer", "cus_10"), "2025-03-20T10:00:00", "run-delta-4", is_deleted=True)
    full(F3, ["cus_1", "cus_5", "cus_6", "cus_7", "cus_9"])  # cus_3 gone; cus_2 still gone
    # F4 died (target killed) after listing cus_1 only: no audit row, so cus_5, cus_6, cus_7, cus_9 stay live
    full(F4_CRASHED, ["cus_1"])
    # a delta with an audit row (sync_mode 'delta') is never a snapshot
    delta(_customer("cus_11"), "2025-05-10T10:00:00", "run-delta-5")

    # charges: rows with _sync_mode 'full' but the charges stream never completed a full run
    # (F2's audit has customers only): nothing inferred for charges
    delta(
        so.charge("ch_1", "cus_1", None, 100, "2025-01-05", "succeeded"),
        "2025-01-15T10:00:00",
        "run-delta-1",
        stream="charges",
    )
    delta(
        so.charge("ch_2", "cus_1", None, 200, "2025-01-06", "succeeded"),
        "2025-01-15T10:00:00",
        "run-delta-1",
        stream="charges",
    )
    full(F2, ["ch_1"], stream="charges")

    # charges, Stripe's partitioned daily reconciliation: CR reads a scoped snapshot (created since
    # 2025-03-01, plus the week of 2025-02-03) and finds ch_4 only
    for ch_id, created in SCOPED_CHARGES.items():
        delta(
            so.charge(ch_id, "cus_1", None, 300, created, "succeeded"), "2025-03-20T10:00:00", "run-delta-4", "charges"
        )
    rows.append(
        BronzeRow(
            "charges",
            so.charge("ch_4", "cus_1", None, 300, SCOPED_CHARGES["ch_4"], "succeeded"),
            _at(SNAPSHOT_START[CR]).replace(minute=5),
            run_id=CR,
            sync_mode="full",
            file_name=f"{CR}-charges.jsonl",
        )
    )
    return rows


def audits() -> list[LoadAudit]:
    found = [
        LoadAudit(
            run_id,
            "customers",
            _at(SNAPSHOT_START[run_id]),
            records=5,
            finished_at=_at(SNAPSHOT_START[run_id]).replace(hour=1),
        )
        for run_id in (F1, F2, F3)
    ]
    for run_id, started in (
        ("run-delta-1", "2025-01-15T09:59:00"),
        ("run-delta-2", "2025-02-20T09:59:00"),
        ("run-delta-3", "2025-03-01T01:59:00"),
        ("run-delta-4", "2025-03-20T09:59:00"),
        ("run-delta-5", "2025-05-10T09:59:00"),
    ):
        found.append(LoadAudit(run_id, "customers", _at(started), sync_mode="delta", records=1))
    found.append(LoadAudit("run-delta-1", "charges", _at("2025-01-15T09:59:00"), sync_mode="delta", records=2))
    found.append(
        LoadAudit(
            CR,
            "charges",
            _at(SNAPSHOT_START[CR]),
            records=1,
            finished_at=_at(SNAPSHOT_START[CR]).replace(hour=1),
            scope_ranges=CR_RANGES,
        )
    )
    return found


#: customer_id -> (is_deleted, deletion_signal, deleted_at, _run_id of the latest version)
EXPECTED_CUSTOMERS = {
    # in every snapshot; latest version from the crashed F4 (its rows are still versions)
    "cus_1": (False, None, None, F4_CRASHED),
    # in F1, absent from F2 and F3: deleted at the start of the first snapshot that missed it (F2),
    # not of the latest one
    "cus_2": (True, "full_snapshot", "2025-03-01 00:00:00", F1),
    # in F1 and F2, absent from F3
    "cus_3": (True, "full_snapshot", "2025-04-01 00:00:00", F2),
    # source tombstone: 'source', deleted at the tombstone's extraction
    "cus_4": (True, "source", "2025-02-15 10:00:00", "run-delta-2"),
    "cus_5": (False, None, None, F3),
    "cus_6": (False, None, None, F3),
    "cus_7": (False, None, None, F3),
    "cus_9": (False, None, None, F3),  # gone in F2, back since
    # source tombstone extracted before F3 (which misses it): the source's signal wins
    "cus_10": (True, "source", "2025-03-20 10:00:00", "run-delta-4"),
    # first seen by a delta after the latest complete snapshot
    "cus_11": (False, None, None, "run-delta-5"),
}

#: charge_id -> (is_deleted, deletion_signal): charges' only complete snapshot is CR, scoped: it infers
#: deletes only inside its ranges (ch_3 in the recent range, ch_5 in the old week); ch_1, ch_2 (January)
#: and ch_6 (2025-02-20) lie outside, so their absence says nothing
EXPECTED_CHARGES = {
    "ch_1": (False, None),
    "ch_2": (False, None),
    "ch_3": (True, "full_snapshot"),
    "ch_4": (False, None),
    "ch_5": (True, "full_snapshot"),
    "ch_6": (False, None),
}


def schema_versions() -> list[SchemaVersion]:
    return [
        SchemaVersion("customers", "aaaa", ["id", "name", "email"], _at("2025-01-01T00:00:00"), "run-delta-1"),
        SchemaVersion("customers", "bbbb", ["id", "name", "email", "phone"], _at("2025-02-01T00:00:00"), F1),
        SchemaVersion("customers", "cccc", ["id", "email", "phone", "tax_ids"], _at("2025-03-01T00:00:00"), F2),
        SchemaVersion("customers", "dddd", ["id", "email", "phone", "tax_ids"], _at("2025-04-01T00:00:00"), F3),
        SchemaVersion("charges", "eeee", ["id", "amount"], _at("2025-01-01T00:00:00"), "run-delta-1"),
    ]


#: (stream, schema_version) -> (schema_hash, previous_schema_hash, change_type, properties_added,
#:  properties_removed, added_property_count, removed_property_count, property_count)
EXPECTED_SCHEMA_CHANGES = {
    ("charges", 1): ("eeee", None, "initial", "amount, id", None, 2, 0, 2),
    ("customers", 1): ("aaaa", None, "initial", "email, id, name", None, 3, 0, 3),
    ("customers", 2): ("bbbb", "aaaa", "properties_changed", "phone", None, 1, 0, 4),
    ("customers", 3): ("cccc", "bbbb", "properties_changed", "tax_ids", "name", 1, 1, 4),
    ("customers", 4): ("dddd", "cccc", "definition_changed", None, None, 0, 0, 4),
}

SCHEMA_CHANGES_SQL = (
    "select stream, schema_version, schema_hash, previous_schema_hash, change_type, properties_added, "
    "properties_removed, added_property_count, removed_property_count, property_count "
    "from ops.stg_bronze__schema_changes where source = 'stripe'"
)
