"""Regressions and alerts through the real nightly graph: false alarms on clean days, and what
an injected regression pages.

Generates `--days` clean days of synthetic traces (the demo generator), runs each through
Dagster (one run per day, as `fi-dagster run` does), counts the days that raised any
regression, then re-generates the next day once per scenario (a regression injected into one
cohort) and prints what was flagged and whether the one alert names the cohort and the step.

    python -m bench regression_alerts [--days 30] [--traces 800] [--seed 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fi_dagster.config import RegressionConfig
from fi_dagster.demo import Regression, generate_day
from fi_dagster.demo.run import demo_resources
from fi_dagster.runner import open_instance, run_partitions
from fi_dagster.stats.baselines import baseline_window
from fi_dagster.stats.day_tables import load_day_tables
from fi_dagster.stats.regressions import all_tests
from fi_dagster.storage.object_store import open_store
from fi_dagster.warehouse.store import Warehouse

SCENARIOS = {
    "quality+latency northwind (the demo)": [
        Regression("quality", {"tenant": "northwind"}, None, 10.0),
        Regression("latency", {"tenant": "northwind"}, "tool_args_llm", 4.0),
    ],
    "latency acme planner_llm ×2": [Regression("latency", {"tenant": "acme"}, "planner_llm", 2.0)],
    "prompt growth rag_answer_llm ×1.6": [
        Regression("tokens", {"route": "rag_qa"}, "rag_answer_llm", 1.6)
    ],
    "quality globex ×5": [Regression("quality", {"tenant": "globex"}, None, 5.0)],
}


def _run(days: list[str], home: Path, instance, resources) -> float:
    started = time.perf_counter()
    outcomes = run_partitions(days, instance, resources)
    failed = [o for o in outcomes if not o.success]
    if failed:
        raise SystemExit(f"run failed: {failed[0].partition_date}: {failed[0].error}")
    return time.perf_counter() - started


def _flags(warehouse: Warehouse, day: str) -> list[tuple[str, str, str]]:
    rows = warehouse.read_partition("fi_regressions", day)
    return [(r.cohort, r.metric, r.evaluator_or_stat) for r in rows.itertuples()]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench regression_alerts")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--traces", type=int, default=800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)
    home = args.keep or Path(tempfile.mkdtemp(prefix="fi-bench-regressions-"))
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    days = [(yesterday - timedelta(days=args.days - i)).isoformat() for i in range(args.days)]
    target = yesterday.isoformat()
    traces = open_store(str(home / "traces"))
    for day in days:
        generate_day(traces, date.fromisoformat(day), args.traces, seed=args.seed)
    instance, resources = open_instance(home / "dagster"), demo_resources(home)
    seconds = _run(days, home, instance, resources)
    warehouse = Warehouse(f"sqlite:///{home / 'warehouse.db'}")
    config = RegressionConfig()
    tested_days = days[config.min_baseline_days :]
    noisy = {d: _flags(warehouse, d) for d in tested_days if _flags(warehouse, d)}
    window = baseline_window(days[-1], config)
    tables, earlier = load_day_tables(warehouse, days[-1], window)
    tests = len(all_tests(tables, earlier, config))
    print(f"{args.days} clean days × {args.traces} traces, {seconds / args.days:.1f} s per run")
    print(f"tests per day (last clean day): {tests}")
    print(f"days with any regression: {len(noisy)}/{len(tested_days)}")
    for day, flags in noisy.items():
        print(f"  {day}: {flags}")
    for name, injected in SCENARIOS.items():
        traces.delete_prefix(f"dt={target}/")
        generate_day(
            traces, date.fromisoformat(target), args.traces, seed=args.seed, regressions=injected
        )
        warehouse.engine.dispose()
        _run([target], home, instance, resources)
        flags = _flags(warehouse, target)
        cohorts = sorted({c for c, _, _ in flags})
        print(f"\n{name}: {len(flags)} flag(s) in {len(cohorts)} alert cohort(s) {cohorts}")
        for cohort, metric, stat in flags:
            print(f"  {cohort} {metric} {stat}")
        _clear_ledger(warehouse)
    if args.keep:
        print(f"\nkept in {home}")
    else:
        shutil.rmtree(home, ignore_errors=True)
    return 0


def _clear_ledger(warehouse: Warehouse) -> None:
    """Each scenario re-runs the same partition: forget its alerts so the next one can page."""
    table = warehouse.table("fi_alerts")
    with warehouse.engine.begin() as conn:
        conn.execute(table.delete())
