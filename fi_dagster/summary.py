"""The morning read-out of one partition, from the warehouse tables (used by demo and report)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pandas as pd

ALL = "*"


@dataclass
class DaySummary:
    partition_date: str
    traces: int
    spans: int
    bad_lines: int
    pass_rate: float | None
    pass_rates: dict[str, float]
    eval_errors: int
    cost_usd: float | None
    judge_cost_usd: float
    slowest_step: str | None
    slowest_p99_ms: float | None
    regressions: int


def _totals(quality: pd.DataFrame) -> pd.DataFrame:
    if quality.empty:
        return quality
    cohort = ["model", "prompt_version", "route", "tenant"]
    return quality[(quality[cohort] == ALL).all(axis=1)]


def day_summary(warehouse, day: str) -> DaySummary:
    """Headline figures of one day; ``warehouse`` is a ``fi_dagster.warehouse.store.Warehouse``."""
    ingest = warehouse.read_partition("fi_ingest_daily", day)
    quality = _totals(warehouse.read_partition("fi_quality_daily", day))
    cost = warehouse.read_partition("fi_cost_daily", day)
    latency = warehouse.read_partition("fi_latency_daily", day)
    regressions = warehouse.read_partition("fi_regressions", day)
    n_ok = quality["n"].sum() if len(quality) else 0
    overall = float((quality["pass_rate"] * quality["n"]).sum() / n_ok) if n_ok else None
    slowest = latency.sort_values("p99_ms", ascending=False).head(1)
    return DaySummary(
        partition_date=day,
        traces=int(cost["n_traces"].sum()) if len(cost) else 0,
        spans=int(ingest["spans"].sum()) if len(ingest) else 0,
        bad_lines=int(ingest["bad_lines"].sum()) if len(ingest) else 0,
        pass_rate=overall,
        pass_rates={r.evaluator: float(r.pass_rate) for r in quality.itertuples()},
        eval_errors=int(quality["n_error"].sum()) if len(quality) else 0,
        cost_usd=float(cost["cost_usd"].sum())
        if len(cost) and cost["cost_usd"].notna().any()
        else None,
        judge_cost_usd=float(cost["judge_cost_usd"].fillna(0).sum()) if len(cost) else 0.0,
        slowest_step=str(slowest["span_name"].iloc[0]) if len(slowest) else None,
        slowest_p99_ms=float(slowest["p99_ms"].iloc[0]) if len(slowest) else None,
        regressions=len(regressions),
    )


def format_table(days: list[DaySummary]) -> str:
    header = (
        f"{'date':<10}  {'traces':>6}  {'pass':>6}  {'cost $':>8}  {'p99 ms':>8}  "
        f"{'slowest step':<18}  regr"
    )
    lines = [header, "-" * len(header)]
    for d in days:
        rate = f"{d.pass_rate:.1%}" if d.pass_rate is not None else "-"
        cost = f"{d.cost_usd:.4f}" if d.cost_usd is not None else "unknown"
        p99 = f"{d.slowest_p99_ms:,.0f}" if d.slowest_p99_ms is not None else "-"
        lines.append(
            f"{d.partition_date:<10}  {d.traces:>6}  {rate:>6}  {cost:>8}  {p99:>8}  "
            f"{(d.slowest_step or '-'):<18}  {d.regressions}"
        )
    return "\n".join(lines)


def to_json(days: list[DaySummary]) -> str:
    return json.dumps([asdict(d) for d in days], indent=2)
