"""Benchmark: records/s from the Stripe sandbox into bronze, against a floor measured in the same run.

Floor: a plain loop over the same list pages (requests, JSON parse, embedded items and lines kept,
their further pages followed) and one bulk insert of every record into DuckDB, in this process.
Pipeline, measured end to end: ``meltano run stripe-full`` (tap-stripe → target-bronze into a fresh
bronze, the production path, Meltano's own start-up, discovery and state included), and the same two
plugins piped directly (``tap-stripe | target-bronze``, same config, no Meltano). Each figure is the
median of ``--repeats`` runs, interleaved so load from other work hits all three alike; each prints
records/s and its ratio to the floor (goal: pipeline >= 0.25 of the floor).

Every run is checked: bronze rows per stream == records the floor read for that stream, and the
bronze content (records, keys, sync mode, deletion flags) of the Meltano and the piped runs agree.

Run conditions, on purpose:

* ``TAP_STRIPE_MAX_REQUESTS_PER_SECOND=0``: the sandbox has no rate limit, so the tap's production
  cap (20 requests/s, which alone makes a run at scale 0.01 take ~8 s) is switched off.
* Bytecode: with ``PYTHONDONTWRITEBYTECODE`` set (as here and in the source Dockerfiles) and no
  cache, every Meltano, tap and target process compiles its modules from source again (~5 s per
  ``meltano run``). The pipeline processes get the cache ``acme`` gives its Meltano runs
  (``.meltano/pycache``; nothing is written next to sources or into virtualenvs), warmed by one
  unmeasured run. ``--cold-bytecode`` measures with no bytecode at all.
* Meltano's system folder (system database, run files) is made once per scale by the warm-up run,
  as a deployed image has it; every measured run starts from an empty bronze, stage and state.

    uv run python bench/stripe_to_bronze.py                      # scale 0.01, 3 repeats
    uv run python bench/stripe_to_bronze.py --scale 0.05         # and again at scale 0.05
    uv run python bench/stripe_to_bronze.py --repeats 5 --cold-bytecode
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import requests
from sandbox_server import served

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TAP = REPO / ".meltano/extractors/tap-stripe/venv/bin/tap-stripe"
TARGET = REPO / ".meltano/loaders/target-bronze/venv/bin/target-bronze"
API_KEY = "sk_test_acme_sandbox"
ANCHOR = "2026-11-01T00:00:00Z"
BASE_SCALE = 0.01
GOAL = 0.25
#: Stripe list endpoints and the bronze streams their objects land in.
LISTS = {
    "customers": {},
    "subscriptions": {"status": "all"},
    "invoices": {},
    "charges": {},
    "refunds": {},
    "products": {},
    "prices": {},
    "events": {},
}
#: Embedded lists: (parent list, field) -> bronze stream.
EMBEDDED = {("subscriptions", "items"): "subscription_items", ("invoices", "lines"): "invoice_line_items"}


@dataclass
class Figures:
    """Seconds of each repeat of one measurement, and the record count every repeat must reproduce."""

    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    @property
    def records(self) -> int:
        return sum(self.counts.values())


class Stopwatch:
    """Wall seconds and CPU seconds (this process plus the subprocesses it waited for)."""

    wall = cpu = 0.0

    @staticmethod
    def _cpu() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    def __enter__(self) -> Stopwatch:
        self._wall, self._cpu0 = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self._wall, self._cpu() - self._cpu0


# -- floor ---------------------------------------------------------------------------------------


def _pages(session: requests.Session, url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object of one list endpoint, page by page (``starting_after`` the last id)."""
    objects: list[dict[str, Any]] = []
    query = {"limit": 100, **params}
    while True:
        page = session.get(url, params=query, timeout=60).json()
        objects.extend(page["data"])
        if not page["has_more"] or not page["data"]:
            return objects
        query["starting_after"] = page["data"][-1]["id"]


def floor(url: str, workdir: Path) -> tuple[dict[str, int], Stopwatch]:
    """Plain fetch of every page + JSON parse + one bulk DuckDB insert; returns (records per stream, time)."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    with Stopwatch() as watch:
        counts, count = _floor(url, workdir)
    if count != sum(counts.values()):
        raise AssertionError(f"floor: {count} rows in DuckDB for {sum(counts.values())} records fetched")
    return counts, watch


def _floor(url: str, workdir: Path) -> tuple[dict[str, int], int]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {API_KEY}"
    records: list[dict[str, Any]] = []
    counts: collections.Counter[str] = collections.Counter()
    for endpoint, params in LISTS.items():
        for obj in _pages(session, f"{url}/v1/{endpoint}", params):
            records.append(obj)
            counts[endpoint] += 1
            for (parent, child), stream in EMBEDDED.items():
                embedded = obj.get(child) if parent == endpoint else None
                if not isinstance(embedded, dict):
                    continue
                rows = list(embedded["data"])
                if embedded.get("has_more") and rows:  # the rest of a long list, as the tap reads it
                    rows += _pages(session, f"{url}{embedded['url']}", {"starting_after": rows[-1]["id"]})
                records.extend(rows)
                counts[stream] += len(rows)
    dump = workdir / "floor.jsonl"
    dump.write_text("\n".join(json.dumps(r) for r in records))
    with duckdb.connect(str(workdir / "floor.duckdb")) as conn:
        conn.execute("create table raw as select * from read_json_objects(?)", [str(dump)])
        (count,) = conn.execute("select count(*) from raw").fetchone()  # type: ignore[misc]
    return dict(counts), int(count)


# -- pipeline ------------------------------------------------------------------------------------


def bronze(database: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Rows per stream in ``bronze.stripe__*``, and a digest of each table's content.

    The digest covers what must not depend on how the pipeline ran (not run id, file names or
    load times): each row's record, key, sync mode and deletion flag, in a stable order.
    """
    counts: dict[str, int] = {}
    digests: dict[str, str] = {}
    with duckdb.connect(str(database), read_only=True) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'bronze' "
                "and table_name like 'stripe\\_\\_%' escape '\\' order by 1"
            ).fetchall()
        ]
        for table in tables:
            rows, digest = conn.execute(  # type: ignore[misc]
                f"select count(*), md5(coalesce(string_agg(line, chr(10) order by line), '')) from ("
                f"select concat_ws('|', _record::varchar, _record_key, _sync_mode, _is_deleted) as line "
                f"from bronze.{table})"
            ).fetchone()
            stream = table.removeprefix("stripe__")
            counts[stream] = int(rows)
            digests[stream] = str(digest)
    return counts, digests


def pipeline_env(data: Path, run_id: str, cold: Path | None) -> dict[str, str]:
    """The environment ``acme`` gives a Meltano run, pointed at ``data``; ``cold``: no bytecode."""
    os.environ["ACME_DATA_DIR"] = str(data)
    from acme_orchestration.meltano import meltano_env

    env = meltano_env(run_id, {"TAP_STRIPE_MAX_REQUESTS_PER_SECOND": "0"})
    if cold is not None:  # bytecode looked up only in an empty folder, and never written
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = str(cold)
    elif env.get("PYTHONDONTWRITEBYTECODE") and not env.get("PYTHONPYCACHEPREFIX"):
        env.pop("PYTHONDONTWRITEBYTECODE")  # the cache `acme` uses (see meltano_env)
        env["PYTHONPYCACHEPREFIX"] = str(REPO / ".meltano" / "pycache")
    return env


def fresh_bronze(data: Path) -> None:
    """Empty bronze, stage and state in ``data``; Meltano's system folder there is kept."""
    for name in ("warehouse.duckdb", "warehouse.duckdb.wal"):
        (data / name).unlink(missing_ok=True)
    for name in ("stage", "state"):
        shutil.rmtree(data / name, ignore_errors=True)


def meltano_run(url: str, data: Path, cold: Path | None) -> tuple[dict[str, int], dict[str, str], Stopwatch]:
    """``meltano run stripe-full`` into an empty bronze; returns (rows per stream, digests, time)."""
    fresh_bronze(data)
    env = pipeline_env(data, "bench-meltano", cold)
    env.update({"TAP_STRIPE_API_URL": url, "TAP_STRIPE_API_KEY": API_KEY})
    log = data.parent / f"{data.name}.meltano.log"
    with log.open("wb") as out, Stopwatch() as watch:
        proc = subprocess.run([str(BIN / "meltano"), "run", "stripe-full"], cwd=REPO, env=env, stdout=out, stderr=out)
    if proc.returncode:
        raise RuntimeError(f"meltano run failed ({proc.returncode}); last lines:\n{_tail(log)}")
    counts, digests = bronze(data / "warehouse.duckdb")
    return counts, digests, watch


def plugin_configs(url: str, workdir: Path, cold: Path | None) -> tuple[Path, dict[str, Any]]:
    """The tap's and the target's config exactly as Meltano resolves them for ``stripe-full``."""
    env = pipeline_env(workdir / "meltano", "bench-config", cold)
    env.update({"TAP_STRIPE_API_URL": url, "TAP_STRIPE_API_KEY": API_KEY})
    dumped = []
    for plugin in ("tap-stripe--full", "target-bronze"):
        out = subprocess.run(
            [str(BIN / "meltano"), "invoke", "--dump=config", plugin],
            cwd=REPO,
            env=env,
            capture_output=True,
            check=True,
        ).stdout
        dumped.append(json.loads(out))
    tap_config = workdir / "tap-config.json"
    tap_config.write_text(json.dumps(dumped[0]))
    # Meltano fills `source` from the extractor's namespace (tap_stripe) only inside a run.
    return tap_config, {**dumped[1], "source": "stripe"}


def piped_run(
    data: Path, tap_config: Path, target_settings: dict[str, Any], cold: Path | None
) -> tuple[dict[str, int], dict[str, str], Stopwatch]:
    """``tap-stripe | target-bronze`` (the plugins' own executables, no Meltano) into a fresh bronze."""
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    env = pipeline_env(data, "bench-piped", cold)
    target_config = data / "target-config.json"
    target_config.write_text(
        json.dumps({**target_settings, "duckdb_path": str(data / "warehouse.duckdb"), "stage_url": str(data / "stage")})
    )
    log = data.parent / f"{data.name}.piped.log"
    with log.open("wb") as err, Stopwatch() as watch:
        tap = subprocess.Popen([str(TAP), "--config", str(tap_config)], env=env, stdout=subprocess.PIPE, stderr=err)
        target = subprocess.Popen(
            [str(TARGET), "--config", str(target_config)],
            env=env,
            stdin=tap.stdout,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        assert tap.stdout is not None
        tap.stdout.close()  # the target holds the pipe now
        codes = (tap.wait(), target.wait())
    if any(codes):
        raise RuntimeError(f"tap | target failed {codes}; last lines:\n{_tail(log)}")
    counts, digests = bronze(data / "warehouse.duckdb")
    return counts, digests, watch


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# -- one scale -----------------------------------------------------------------------------------


def _check(name: str, counts: dict[str, int], expected: dict[str, int]) -> None:
    if counts != expected:
        diff = {
            s: (counts.get(s, 0), expected.get(s, 0)) for s in {*counts, *expected} if counts.get(s) != expected.get(s)
        }
        raise AssertionError(f"{name}: bronze rows differ from the floor's records per stream (bronze, floor): {diff}")


def measure(scale: float, seed: int, repeats: int, cold: Path | None, work: Path) -> dict[str, Figures]:
    """Floor, meltano run and piped run at one scale, ``repeats`` times each, interleaved."""
    figures = {name: Figures() for name in ("floor", "meltano", "piped")}
    with served("stripe", scale=scale, seed=seed, anchor=ANCHOR) as url:
        # Unmeasured warm-up: Meltano's system folder, the bytecode cache, a warm sandbox.
        meltano_run(url, work / "meltano", cold)
        tap_config, target_settings = plugin_configs(url, work, cold)
        reference: dict[str, str] | None = None
        for _ in range(repeats):
            counts, watch = floor(url, work / "floor")
            figures["floor"].seconds.append(watch.wall)
            figures["floor"].cpu.append(watch.cpu)
            if figures["floor"].counts and counts != figures["floor"].counts:
                raise AssertionError("floor: the sandbox returned different records between repeats")
            figures["floor"].counts = counts
            for name in ("meltano", "piped"):
                if name == "meltano":
                    rows, digests, watch = meltano_run(url, work / "meltano", cold)
                else:
                    rows, digests, watch = piped_run(work / "piped", tap_config, target_settings, cold)
                _check(name, rows, counts)
                if reference is None:
                    reference = digests
                elif digests != reference:
                    raise AssertionError(f"{name}: bronze content differs from the first pipeline run")
                figures[name].seconds.append(watch.wall)
                figures[name].cpu.append(watch.cpu)
                figures[name].counts = rows
    return figures


def report(scale: float, figures: dict[str, Figures], repeats: int, load: tuple[float, float]) -> float:
    """Print one scale's figures; returns the Meltano run's ratio to the floor."""
    base = figures["floor"]
    base_rps = base.records / base.median
    print(
        f"\nscale {scale}: {base.records:,} records; median of {repeats} (wall seconds of every repeat in brackets); "
        f"load average {load[0]:.1f} before, {load[1]:.1f} after on {os.cpu_count()} CPUs"
    )
    ratio = 0.0
    for name, label in (
        ("floor", "floor (fetch, parse, insert)"),
        ("meltano", "meltano run stripe-full"),
        ("piped", "tap-stripe | target-bronze"),
    ):
        fig = figures[name]
        rps = fig.records / fig.median
        share = f"ratio {rps / base_rps:4.2f}" if name != "floor" else " " * 10
        walls = ", ".join(f"{w:.2f}" for w in fig.seconds)
        print(
            f"  {label:29s} {fig.median:6.2f} s {rps:8,.0f} records/s  {share}  cpu {fig.median_cpu:5.2f} s  [{walls}]"
        )
        if name == "meltano":
            ratio = rps / base_rps
    meltano, piped = figures["meltano"], figures["piped"]
    print(
        f"  Meltano's own cost (meltano - piped): {meltano.median - piped.median:.2f} s wall, "
        f"{meltano.median_cpu - piped.median_cpu:.2f} s cpu (start-up, settings, state, catalog discovery, relaying)"
    )
    per_stream = ", ".join(f"{s} {n:,}" for s, n in sorted(base.counts.items()))
    print(f"  checked: bronze rows == floor records for every stream ({per_stream}),")
    print("           bronze content of every Meltano and piped run identical")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, help=f"also measure at this scale (the bench always runs {BASE_SCALE})")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement (median reported)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cold-bytecode", action="store_true", help="no bytecode cache for the pipeline processes")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    scales = [BASE_SCALE] + ([args.scale] if args.scale and args.scale != BASE_SCALE else [])

    subprocess.run([str(BIN / "meltano"), "install"], cwd=REPO, check=True, capture_output=True)
    print("pipeline: TAP_STRIPE_MAX_REQUESTS_PER_SECOND=0 (the sandbox has no rate limit; production caps at 20/s)")
    print(
        "bytecode: "
        + (
            "none (--cold-bytecode): every process compiles its modules from source"
            if args.cold_bytecode
            else "cached as in `acme` runs, warmed by one unmeasured run"
        )
    )
    ratios = {}
    with tempfile.TemporaryDirectory(prefix="bench-stripe-") as tmp:
        work = Path(tmp)
        cold = work / "no-bytecode" if args.cold_bytecode else None
        if cold is not None:
            cold.mkdir()
        for scale in scales:
            before = os.getloadavg()[0]
            figures = measure(scale, args.seed, args.repeats, cold, work / f"scale-{scale}")
            ratios[scale] = report(scale, figures, args.repeats, (before, os.getloadavg()[0]))
    verdict = "met" if ratios[BASE_SCALE] >= GOAL else "NOT met"
    print(f"\ngoal: meltano run >= {GOAL} of the floor at scale {BASE_SCALE}: {verdict} ({ratios[BASE_SCALE]:.2f})")
    print(
        "cpu: CPU seconds of the measured processes (floor: this process; pipelines: meltano, tap, target),\n"
        "     the sandbox's excluded; wall times on a shared machine move with other load, CPU much less."
    )


if __name__ == "__main__":
    main()
