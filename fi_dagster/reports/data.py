"""What the daily report shows, read from the warehouse tables (no Dagster, no HTML here)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from fi_dagster.reports.charts import Series
from fi_dagster.stats.quality import ALL
from fi_dagster.summary import DaySummary, day_summary
from fi_dagster.traces.schema import COHORT_COLUMNS

COHORT = list(COHORT_COLUMNS)


@dataclass
class DailyReport:
    partition_date: str
    days: list[DaySummary]
    quality: list[dict]
    cost: list[dict]
    latency: list[dict]
    regressions: list[dict]
    trends: list[tuple[Series, str]] = field(default_factory=list)
    ingest: list[dict] = field(default_factory=list)  # fi_ingest_daily: one row per convention
    quarantine_uri: str | None = None


def _dimension_rows(quality: pd.DataFrame) -> pd.DataFrame:
    """The overall row and each single-dimension roll-up (what a reader scans first)."""
    if quality.empty:
        return quality
    stars = (quality[COHORT] == ALL).sum(axis=1)
    rows = quality[stars >= len(COHORT) - 1].copy()
    rows["cohort"] = [
        ", ".join(f"{c}={r[c]}" for c in COHORT if r[c] != ALL) or "all traffic"
        for _, r in rows.iterrows()
    ]
    return rows.sort_values(["evaluator", "cohort"])


def _regressions(frame: pd.DataFrame) -> list[dict]:
    out = []
    for row in frame.to_dict("records"):
        attribution = json.loads(row.get("attribution") or "{}")
        cohort = json.loads(row.get("cohort") or "{}")
        row["cohort_label"] = ", ".join(f"{k}={v}" for k, v in cohort.items()) or "all traffic"
        row["where"] = attribution.get("summary", "")
        out.append(row)
    return out


def _trends(warehouse, day: str, trailing_days: int) -> list[tuple[Series, str]]:
    start = (date.fromisoformat(day) - timedelta(days=trailing_days - 1)).isoformat()
    dates = [
        (date.fromisoformat(start) + timedelta(days=i)).isoformat() for i in range(trailing_days)
    ]
    quality = warehouse.read_range("fi_quality_daily", start, day)
    cost = warehouse.read_range("fi_cost_daily", start, day)
    latency = warehouse.read_range("fi_latency_daily", start, day)
    trends: list[tuple[Series, str]] = []
    if not quality.empty:
        totals = quality[(quality[COHORT] == ALL).all(axis=1)]
        for evaluator, rows in totals.groupby("evaluator"):
            by_day = rows.set_index("partition_date")["pass_rate"]
            points = [(d, _value(by_day, d)) for d in dates]
            trends.append((Series(f"{evaluator} pass rate", points), "{:.1%}"))
    if not cost.empty:
        day_rows = cost[(cost[["model", "tenant", "route"]] == ALL).all(axis=1)]
        by_day = day_rows.set_index("partition_date")["cost_usd"]
        trends.append(
            (Series("LLM cost (USD)", [(d, _value(by_day, d)) for d in dates]), "${:.2f}")
        )
    if not latency.empty:
        by_day = latency.groupby("partition_date")["p99_ms"].max()
        points = [(d, _value(by_day, d)) for d in dates]
        trends.append((Series("slowest step p99 (ms)", points), "{:,.0f}"))
    return trends


def _full_cost_rows(cost: pd.DataFrame) -> pd.DataFrame:
    """Model × tenant × route rows only; the "*" roll-ups would double-count in a table."""
    if cost.empty:
        return cost
    return cost[(cost[["model", "tenant", "route"]] != ALL).all(axis=1)]


def _value(series: pd.Series, key: str) -> float | None:
    value = series.get(key)
    return None if value is None or pd.isna(value) else float(value)


def gather(warehouse, days: list[str], trailing_days: int = 28) -> DailyReport:
    """The report of the last of ``days`` (with a summary row for each of them)."""
    day = days[-1]
    latency = warehouse.read_partition("fi_latency_daily", day)
    ingest = warehouse.read_partition("fi_ingest_daily", day)
    return DailyReport(
        partition_date=day,
        days=[day_summary(warehouse, d) for d in days],
        quality=_dimension_rows(warehouse.read_partition("fi_quality_daily", day)).to_dict(
            "records"
        ),
        cost=_full_cost_rows(warehouse.read_partition("fi_cost_daily", day))
        .sort_values("cost_usd", ascending=False, na_position="first")
        .to_dict("records"),
        latency=latency.sort_values("p99_ms", ascending=False).head(20).to_dict("records"),
        regressions=_regressions(warehouse.read_partition("fi_regressions", day)),
        trends=_trends(warehouse, day, trailing_days),
        ingest=ingest.sort_values("spans", ascending=False).to_dict("records"),
        quarantine_uri=next(iter(ingest["quarantine_uri"].dropna()), None),
    )
