"""What depends on what, read from dbt's ``manifest.json``.

* The **inputs** of a node are the pipeline sources (``sources/<name>/``, whose dbt source has the
  same name) upstream of it, found by walking ``depends_on`` to source nodes.
* The **tracked models** are the ones whose status is recorded in ``ops.mart_status``: every gold
  model, every staging model (a source's silver face, which other teams read too) and every model
  nothing else is built from (somebody's output). Intermediate models are internal, and models in
  the ``ops`` schema are run records, not data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Lineage:
    """The project's DAG as the orchestrator needs it."""

    manifest: dict[str, Any]
    #: Names of the pipeline sources (``sources/*/meltano.yml``).
    pipeline_sources: frozenset[str]

    @cached_property
    def project(self) -> str:
        return str(self.manifest.get("metadata", {}).get("project_name", ""))

    @cached_property
    def _nodes(self) -> dict[str, dict[str, Any]]:
        return {**self.manifest.get("nodes", {}), **self.manifest.get("sources", {})}

    def node(self, unique_id: str) -> dict[str, Any]:
        return self._nodes.get(unique_id, {})

    @cached_property
    def models(self) -> list[str]:
        """Enabled models of the root project."""
        return sorted(
            uid
            for uid, node in self.manifest.get("nodes", {}).items()
            if node.get("resource_type") == "model" and node.get("package_name") == self.project
        )

    def is_gold(self, unique_id: str) -> bool:
        """Gold layer: schema ``gold`` (any prefix) or a model under ``models/marts/``."""
        node = self.node(unique_id)
        schema = str(node.get("config", {}).get("schema") or node.get("schema") or "")
        path = str(node.get("original_file_path", ""))
        return schema.endswith("gold") or "/marts/" in f"/{path}"

    def is_staging(self, unique_id: str) -> bool:
        """Staging: a model under ``models/staging/`` (or named ``stg_*``)."""
        node = self.node(unique_id)
        path = str(node.get("original_file_path", ""))
        return "/staging/" in f"/{path}" or str(node.get("name", "")).startswith("stg_")

    def schema(self, unique_id: str) -> str:
        node = self.node(unique_id)
        return str(node.get("config", {}).get("schema") or node.get("schema") or "")

    def layer(self, unique_id: str) -> str:
        return "gold" if self.is_gold(unique_id) else "silver"

    def children(self, unique_id: str) -> list[str]:
        return list(self.manifest.get("child_map", {}).get(unique_id, []))

    @cached_property
    def tracked(self) -> list[str]:
        """Models whose status is recorded: gold, staging, and models no other model reads."""
        tracked = []
        for uid in self.models:
            child_models = [c for c in self.children(uid) if self.node(c).get("resource_type") == "model"]
            if self.schema(uid).endswith("ops"):
                continue  # run records (e.g. identity reconciliation logs), not data
            if self.is_gold(uid) or self.is_staging(uid) or not child_models:
                tracked.append(uid)
        return tracked

    def upstream(self, unique_id: str) -> set[str]:
        """Every node ``unique_id`` is built from (transitively), sources included."""
        seen: set[str] = set()
        stack = [unique_id]
        while stack:
            current = stack.pop()
            for parent in self.node(current).get("depends_on", {}).get("nodes", []) or []:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def inputs(self, unique_id: str) -> set[str]:
        """Pipeline sources upstream of ``unique_id`` (a node that is itself a source counts)."""
        nodes = self.upstream(unique_id) | {unique_id}
        names = {str(self.node(n).get("source_name")) for n in nodes if self.node(n).get("resource_type") == "source"}
        return names & self.pipeline_sources

    def downstream_of(self, sources: Iterable[str]) -> list[str]:
        """Tracked models with at least one of ``sources`` among their inputs."""
        wanted = set(sources)
        return [uid for uid in self.tracked if self.inputs(uid) & wanted]

    def tests_of(self, unique_id: str) -> list[str]:
        """Data tests attached to ``unique_id``."""
        return [c for c in self.children(unique_id) if self.node(c).get("resource_type") == "test"]

    def name(self, unique_id: str) -> str:
        return str(self.node(unique_id).get("name") or unique_id.rsplit(".", 1)[-1])
