"""``fi-dagster demo``: a week of synthetic traces through the real nightly graph, offline.

Everything lives under ``--home``: trace files, intermediates, the SQLite warehouse, the
Dagster instance, the alert file and the demo's config. No network, no keys: the judge is the
heuristic one and alerts go to a file even when Slack variables are set.

The traces do not depend on the calendar: day k before the last is drawn from the same random
stream whenever the demo runs, so its output does not change with the date. The demo's days
page even when ``--end-date`` makes them history, because showing the alert is the point.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from fi_dagster.demo import Regression, generate_day

DEMO_COHORT = {"tenant": "northwind"}
DEMO_SLOW_STEP = "tool_args_llm"
# The demo's own config, which its runs use instead of a ./fi_dagster.yaml meant for real
# traces: its alerts page whatever its end date.
DEMO_CONFIG = "alerts:\n  page_backfill: true\n"


def demo_regressions() -> list[Regression]:
    """What the last demo day gets: worse answers and a slow tool-argument step for one tenant."""
    return [
        Regression(kind="quality", cohort=DEMO_COHORT, step=None, factor=10.0),
        Regression(kind="latency", cohort=DEMO_COHORT, step=DEMO_SLOW_STEP, factor=4.0),
    ]


def parse_regression(text: str) -> Regression:
    """``KIND:DIM=VALUE[:STEP][:FACTOR]`` as given to ``fi-dagster generate --regression``."""
    parts = text.split(":")
    if len(parts) < 2 or "=" not in parts[1]:
        raise ValueError(f"--regression {text!r}: expected KIND:DIM=VALUE[:STEP][:FACTOR]")
    kind, (dim, value) = parts[0], parts[1].split("=", 1)
    step = parts[2] if len(parts) > 2 and parts[2] else None
    factor = float(parts[3]) if len(parts) > 3 else (10.0 if kind == "quality" else 3.0)
    if kind not in ("quality", "latency", "tokens"):
        raise ValueError(f"--regression {text!r}: kind must be quality, latency or tokens")
    return Regression(kind=kind, cohort={dim: value}, step=step, factor=factor)


def demo_resources(home: Path, config_path: Path | None = None) -> dict:
    """The demo's resources under ``home``; config from ``config_path``, else the usual lookup."""
    from fi_dagster.resources import (
        AlertsResource,
        FiConfigResource,
        JudgeResource,
        ObjectStoresResource,
        ParquetIOManager,
        WarehouseIOManager,
        WarehouseResource,
    )

    warehouse_url = f"sqlite:///{home / 'warehouse.db'}"
    return {
        "stores": ObjectStoresResource(
            traces_uri=str(home / "traces"), work_uri=str(home / "work")
        ),
        "warehouse": WarehouseResource(url=warehouse_url),
        "judge": JudgeResource(offline=True),
        "alerts": AlertsResource(file_path=str(home / "alerts.jsonl"), offline=True),
        "fi_config": FiConfigResource(path=str(config_path) if config_path else None),
        "parquet_io_manager": ParquetIOManager(work_uri=str(home / "work")),
        "warehouse_io_manager": WarehouseIOManager(url=warehouse_url),
    }


def run_demo(home: Path, n_days: int, n_traces: int, end_date: str, seed: int) -> int:
    from fi_dagster.commands import _print_alerts
    from fi_dagster.resources.warehouse import warehouse_for
    from fi_dagster.run_progress import RunProgress
    from fi_dagster.runner import open_instance, run_partitions
    from fi_dagster.storage.object_store import open_store
    from fi_dagster.summary import day_summary, format_table

    home = home.resolve()
    last = date.fromisoformat(end_date)
    days = [(last - timedelta(days=n_days - 1 - i)) for i in range(n_days)]
    started = time.perf_counter()
    print(f"fi-dagster demo in {home}", file=sys.stderr)
    print(
        f"Generating {n_days} days × {n_traces} traces (regression on {days[-1]}) …",
        file=sys.stderr,
    )
    store = open_store(str(home / "traces"))
    for i, day in enumerate(days):
        store.delete_prefix(f"dt={day.isoformat()}/")
        generate_day(
            store,
            day,
            n_traces,
            seed=seed,
            regressions=demo_regressions() if day == days[-1] else (),
            stream=f"demo-day-minus-{n_days - 1 - i}",
        )
    config_path = home / "fi_dagster.yaml"
    config_path.write_text(DEMO_CONFIG)
    print("Running the nightly graph through Dagster, one run per day:", file=sys.stderr)
    progress = RunProgress(len(days))
    outcomes = run_partitions(
        [d.isoformat() for d in days],
        open_instance(home / "dagster"),
        demo_resources(home, config_path),
        on_progress=progress.day,
        on_event=progress.event,
    )
    if not all(o.success for o in outcomes):
        return 1
    warehouse = warehouse_for(f"sqlite:///{home / 'warehouse.db'}")
    print()
    print(format_table([day_summary(warehouse, d.isoformat()) for d in days]))
    from fi_dagster.alerts.ledger import AlertLedger

    _print_alerts(
        AlertLedger(warehouse.engine, warehouse.table("fi_alerts")), [d.isoformat() for d in days]
    )
    if not _flagged(warehouse, days[-1].isoformat()):
        cohort = ", ".join(f"{k}={v}" for k, v in DEMO_COHORT.items())
        print(
            f"\nThe regression injected on {days[-1]} into {cohort} was not flagged: "
            f"{n_days} days × {n_traces} traces are too few to make it significant; the "
            "defaults (7 × 800) find it.",
            file=sys.stderr,
        )
    print(
        f"\nDone in {time.perf_counter() - started:.1f}s. Explore: "
        f"DAGSTER_HOME={home / 'dagster'} FI_HOME={home} FI_CONFIG={config_path} "
        "dagster dev -m fi_dagster.definitions",
        file=sys.stderr,
    )
    return 0


def _flagged(warehouse, day: str) -> bool:
    """Whether ``day``'s regressions include the demo's cohort."""
    cohorts = warehouse.read_partition("fi_regressions", day)["cohort"]
    return any(json.loads(c) == DEMO_COHORT for c in cohorts)
