"""Pairwise precision / recall of the identity crosswalk against acme_world's ground truth.

A pair is two source records. Predicted positive: both in the same `customer_id`. True positive:
both owned by the same true company (`world.truth(as_of).owners`). Only records whose owner row has a
company are scored (staff have none). Per rule: the pairs that involve a record placed by that rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

RESOURCE = {
    ("salesforce", "account"): "Account",
    ("salesforce", "contact"): "Contact",
    ("stripe", "customer"): "customer",
    ("zendesk", "organization"): "organization",
    ("zendesk", "user"): "user",
}


@dataclass
class Score:
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0


def _pairs(groups: dict[str, list[str]]) -> Counter[str]:
    """Pairs each record takes part in, per record (n - 1 per member)."""
    out: Counter[str] = Counter()
    for members in groups.values():
        for m in members:
            out[m] = len(members) - 1
    return out


def score(crosswalk: Iterable[tuple[str, str, str, str, str]], owners: Iterable[Any]) -> dict[str, Score]:
    """`crosswalk` rows: (source_system, source_entity, source_id, customer_id, match_rule)."""
    company = {(o.system, o.resource, o.record_id): o.company_id for o in owners if o.company_id}
    predicted: dict[str, str] = {}
    true: dict[str, str] = {}
    rule: dict[str, str] = {}
    for system, entity, source_id, customer_id, match_rule in crosswalk:
        key = f"{system}:{entity}:{source_id}"
        owner = company.get((system, RESOURCE[(system, entity)], source_id))
        if owner is None:
            continue
        predicted[key], true[key], rule[key] = customer_id, owner, match_rule
    by_pred: dict[str, list[str]] = defaultdict(list)
    by_true: dict[str, list[str]] = defaultdict(list)
    by_both: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in predicted:
        by_pred[predicted[key]].append(key)
        by_true[true[key]].append(key)
        by_both[(predicted[key], true[key])].append(key)
    pred_n, true_n, both_n = _pairs(by_pred), _pairs(by_true), _pairs(by_both)

    def total(keys: list[str], halve: bool) -> Score:
        div = 2 if halve else 1
        return Score(
            records=len(keys),
            true_pairs=sum(true_n[k] for k in keys) // div,
            predicted_pairs=sum(pred_n[k] for k in keys) // div,
            correct_pairs=sum(both_n[k] for k in keys) // div,
        )

    scores = {"total": total(list(predicted), halve=True)}
    per_rule: dict[str, list[str]] = defaultdict(list)
    for key, r in rule.items():
        per_rule[r].append(key)
    for r, keys in sorted(per_rule.items()):
        scores[r] = total(keys, halve=False)  # pairs touching a record of this rule
    return scores


def report(scores: dict[str, Score]) -> str:
    lines = [f"{'rule':34} {'records':>7} {'precision':>9} {'recall':>7}  (pairs: predicted / true / correct)"]
    for name, s in scores.items():
        lines.append(
            f"{name:34} {s.records:7d} {s.precision:9.4f} {s.recall:7.4f}  "
            f"({s.predicted_pairs} / {s.true_pairs} / {s.correct_pairs})"
        )
    return "\n".join(lines)
