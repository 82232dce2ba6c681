"""The ``attribution`` of a regression: where it comes from, in data and in one sentence."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fi_dagster.stats.attribution import as_dicts, concentration, step_shares
from fi_dagster.stats.comparisons import WHOLE_TRACE_STAT, cohort_label, cohort_of
from fi_dagster.stats.day_tables import DayTables

TRACE_COLUMNS = {"p50_latency_ms": "self_ms_per_trace", "p99_latency_ms": "tail_self_ms_per_trace"}
CONTAINER_SHARE = 0.1  # a slower step whose own time explains less than this contains the cause
TRACE_WORDS = {
    "self_ms_per_trace": "mean trace latency",
    "tail_self_ms_per_trace": "latency of the slowest 5% of traces",
    "cost_per_trace_usd": "cost per trace",
}


def _amount(column: str, value: float) -> str:
    return f"${value:,.4f}" if "cost" in column else f"{value:,.0f} ms"


def _trace_split(flag: pd.Series, tables: DayTables, column: str) -> tuple[dict, str]:
    shares = step_shares(tables.steps, tables.baseline_steps, cohort_of(flag), column)
    detail = {"split_by_step": as_dicts(shares[:5]), "split_of": TRACE_WORDS[column]}
    top = shares[0] if shares else None
    if top is None or top.share is None or top.delta <= 0:
        return detail, ""
    detail["responsible_step"] = top.step
    text = (
        f"{top.share:.0%} of the {TRACE_WORDS[column]} increase comes from `{top.step}` "
        f"(+{_amount(column, top.delta)} per trace)"
    )
    return detail, text


def _step_share(flag: pd.Series, tables: DayTables, column: str) -> tuple[dict, str]:
    """The flagged step's share of its cohort's trace-level increase; a step whose own
    (self) time barely grew is a container of the slow step, which is then named instead."""
    shares = step_shares(tables.steps, tables.baseline_steps, cohort_of(flag), column)
    mine = next((s for s in shares if s.step == flag["stat"]), None)
    top = shares[0] if shares else None
    detail: dict[str, Any] = {"responsible_step": flag["stat"]}
    if mine is None or top is None or top.share is None or top.delta <= 0:
        return detail, ""
    whose = f"{TRACE_WORDS[column]} increase for {cohort_label(cohort_of(flag))}"
    if (mine.share or 0) < CONTAINER_SHARE and top.step != mine.step:
        detail["responsible_step"] = top.step
        return (
            detail,
            f"its own time barely changed: {top.share:.0%} of the {whose} is `{top.step}`",
        )
    detail["share_of_trace_increase"] = mine.share
    added = _amount(column, mine.delta)
    text = f"`{mine.step}` adds {added} per trace: {mine.share:.0%} of the {whose}"
    return detail, text


def _where_quality(flag: pd.Series, tables: DayTables) -> tuple[dict, str]:
    if flag["metric"] not in ("pass_rate", "json_validity_rate"):
        return {}, ""
    found = concentration(
        tables.quality, tables.baseline_quality, cohort_of(flag), str(flag["stat"])
    )
    detail = {"concentration": as_dicts(found)}
    hot = [c for c in found if c.concentrated]
    if hot:
        parts = [
            f"{c.dimension}={c.value} ({c.share_of_drop:.0%} of the drop, "
            f"{c.share_of_results:.0%} of results)"
            for c in hot
        ]
        return detail, "concentrated in " + "; ".join(parts)
    if found:
        return detail, "spread across " + ", ".join(c.dimension for c in found)
    return detail, ""


def explain(flag: pd.Series, tables: DayTables) -> tuple[dict, str]:
    """(details, sentence) locating one flagged regression; the sentence may be empty."""
    family, metric, stat = flag["family"], flag["metric"], flag["stat"]
    if family in ("quality", "eval_errors"):
        return _where_quality(flag, tables)
    if family == "latency":
        column = TRACE_COLUMNS.get(metric, "self_ms_per_trace")
        if stat == WHOLE_TRACE_STAT:
            return _trace_split(flag, tables, column)
        return _step_share(flag, tables, "self_ms_per_trace")
    if family == "cost":
        return _trace_split(flag, tables, "cost_per_trace_usd")
    if family == "tokens":
        return _step_share(flag, tables, "cost_per_trace_usd")
    return {}, ""
