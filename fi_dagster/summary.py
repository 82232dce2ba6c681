"""The morning read-out of one partition, from the warehouse tables (used by demo and report)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import pandas as pd

from fi_dagster.stats.quality import ALL, headline_pass_rate
from fi_dagster.traces.schema import COHORT_COLUMNS

COHORT = list(COHORT_COLUMNS)
COST_KEYS = ["model", "tenant", "route"]


@dataclass
class DaySummary:
    partition_date: str
    traces: int  # traces that made LLM calls
    spans: int
    bad_lines: int
    pass_rate: float | None  # weighted share of all evaluator checks that passed
    pass_rates: dict[str, float]
    eval_errors: int
    cost_usd: float | None  # priced LLM calls; None when none could be priced
    judge_cost_usd: float  # NaN when the judge model has no price
    slowest_step: str | None
    slowest_p99_ms: float | None
    regressions: int
    cost_complete: bool = True  # False: some calls used models without a price
    bad_spans: int = 0  # with bad_lines: what ingestion quarantined

    @property
    def quarantined(self) -> int:
        return self.bad_lines + self.bad_spans


def _day_rows(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The whole-day roll-up rows (every key ``*``)."""
    return frame[(frame[keys] == ALL).all(axis=1)] if len(frame) else frame


def _day_cost(cost: pd.DataFrame) -> pd.Series | None:
    """The day's cost row; partitions written before the roll-ups are summed instead."""
    if cost.empty:
        return None
    day = _day_rows(cost, COST_KEYS)
    if len(day):
        return day.iloc[0]
    return pd.Series(
        {
            "n_traces": cost["n_traces"].sum(),
            "cost_usd": cost["cost_usd"].sum(min_count=1),
            "price_known": bool(cost["price_known"].fillna(True).all()),
            "judge_cost_usd": cost["judge_cost_usd"].sum(min_count=1),
        }
    )


def _headline(warehouse, day: str) -> float | None:
    rate = headline_pass_rate(warehouse.read_partition("fi_eval_results", day))
    return None if math.isnan(rate) else rate


def day_summary(warehouse, day: str) -> DaySummary:
    """Headline figures of one day; ``warehouse`` is a ``fi_dagster.warehouse.store.Warehouse``."""
    ingest = warehouse.read_partition("fi_ingest_daily", day)
    quality = _day_rows(warehouse.read_partition("fi_quality_daily", day), COHORT)
    cost = _day_cost(warehouse.read_partition("fi_cost_daily", day))
    latency = warehouse.read_partition("fi_latency_daily", day)
    slowest = latency.sort_values("p99_ms", ascending=False).head(1)
    cost_usd = float(cost["cost_usd"]) if cost is not None else None
    return DaySummary(
        partition_date=day,
        traces=int(cost["n_traces"]) if cost is not None else 0,
        spans=int(ingest["spans"].sum()) if len(ingest) else 0,
        bad_lines=int(ingest["bad_lines"].sum()) if len(ingest) else 0,
        bad_spans=int(ingest["bad_spans"].sum()) if len(ingest) else 0,
        pass_rate=_headline(warehouse, day),
        pass_rates={r.evaluator: float(r.pass_rate) for r in quality.itertuples()},
        eval_errors=int(quality["n_error"].sum()) if len(quality) else 0,
        cost_usd=None if cost_usd is None or math.isnan(cost_usd) else cost_usd,
        judge_cost_usd=float(cost["judge_cost_usd"]) if cost is not None else 0.0,
        slowest_step=str(slowest["span_name"].iloc[0]) if len(slowest) else None,
        slowest_p99_ms=float(slowest["p99_ms"].iloc[0]) if len(slowest) else None,
        regressions=len(warehouse.read_partition("fi_regressions", day)),
        cost_complete=bool(cost["price_known"]) if cost is not None else True,
    )


def format_table(days: list[DaySummary]) -> str:
    header = (
        f"{'date':<10}  {'traces':>6}  {'bad in':>6}  {'pass':>6}  {'cost $':>9}  "
        f"{'p99 ms':>8}  {'slowest step':<18}  regr"
    )
    lines = [header, "-" * len(header)]
    for d in days:
        rate = f"{d.pass_rate:.1%}" if d.pass_rate is not None else "-"
        cost = f"{d.cost_usd:.4f}" if d.cost_usd is not None else "unknown"
        cost += "" if d.cost_complete else "+"
        p99 = f"{d.slowest_p99_ms:,.0f}" if d.slowest_p99_ms is not None else "-"
        lines.append(
            f"{d.partition_date:<10}  {d.traces:>6}  {d.quarantined:>6}  {rate:>6}  {cost:>9}  "
            f"{p99:>8}  {(d.slowest_step or '-'):<18}  {d.regressions}"
        )
    if any(d.quarantined for d in days):
        lines.append("bad in: lines and spans quarantined by ingestion (fi_ingest_daily)")
    if not all(d.cost_complete for d in days):
        lines.append("+ some LLM calls used models without a price (fi_cost_daily.price_known)")
    return "\n".join(lines)


def _json_safe(value: object) -> object:
    """NaN (an unknown figure) as null: JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def to_json(days: list[DaySummary]) -> str:
    return json.dumps([_json_safe(asdict(d)) for d in days], indent=2)
