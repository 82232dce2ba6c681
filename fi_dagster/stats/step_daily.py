"""The daily step table ``fi_step_daily``: latency, self time, tokens and cost per cohort × step.

Rows cover the day and each single cohort column (the others ``*``), for every span name
(``step``) and for the whole trace (``step = "*"``). Percentiles cannot be pooled across
days, so the regression tests compare today's row with the same row of earlier days; the
self-time and cost columns are per trace of the cohort, so they add up across steps and
split a trace-level change between the steps that caused it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from fi_dagster.config import PriceOverride
from fi_dagster.stats.percentiles import grouped_quantiles
from fi_dagster.stats.quality import ALL
from fi_dagster.stats.trace_steps import spans_with_self_time, trace_totals
from fi_dagster.traces.schema import COHORT_COLUMNS

WHOLE_TRACE = "*"
TAIL_QUANTILE = 0.95  # the "tail" traces: at or above the cohort's p95 duration
_QUANTILES = (("p50_ms", 0.50), ("p90_ms", 0.90), ("p95_ms", 0.95), ("p99_ms", 0.99))
STEP_COLUMNS = (
    *COHORT_COLUMNS,
    "step",
    "span_kind",
    "n",
    "n_traces",
    *(name for name, _ in _QUANTILES),
    "log_ms_mean",
    "log_ms_sd",
    "self_ms_per_trace",
    "tail_self_ms_per_trace",
    "prompt_tokens_mean",
    "prompt_tokens_sd",
    "cost_usd_mean",
    "cost_usd_sd",
    "cost_per_trace_usd",
)


def _mean_sd(codes: np.ndarray, values: np.ndarray, n_groups: int) -> tuple[np.ndarray, ...]:
    """Per-group mean and sample standard deviation of the non-NaN values."""
    ok = ~np.isnan(values)
    count = np.bincount(codes[ok], minlength=n_groups).astype(float)
    total = np.bincount(codes[ok], weights=values[ok], minlength=n_groups)
    squares = np.bincount(codes[ok], weights=values[ok] ** 2, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
        var = np.where(count > 1, (squares - count * mean**2) / (count - 1), np.nan)
    return mean, np.sqrt(np.clip(var, 0, None))


def _describe(codes: np.ndarray, latency: np.ndarray, n_groups: int) -> pd.DataFrame:
    """Percentiles and log-latency mean / sd of each group's (positive, timed) durations."""
    timed = ~np.isnan(latency)
    q = grouped_quantiles(codes[timed], latency[timed], n_groups, [q for _, q in _QUANTILES])
    out = pd.DataFrame(q, columns=[name for name, _ in _QUANTILES])
    logs = np.log(np.where(latency > 0, latency, np.nan))
    out["log_ms_mean"], out["log_ms_sd"] = _mean_sd(codes, logs, n_groups)
    return out


def _labels(frame: pd.DataFrame, column: str | None) -> pd.Series:
    """Each row's value of the roll-up column (``*`` for the whole day)."""
    return frame[column] if column else pd.Series(ALL, index=frame.index)


def _trace_rows(traces: pd.DataFrame, codes: np.ndarray, n_groups: int) -> pd.DataFrame:
    """The ``step = "*"`` rows: duration percentiles, mean and tail-mean duration, tokens and
    cost per trace; plus the column ``tail`` marking each trace at or above its group's p95."""
    latency = traces["latency_ms"].to_numpy(dtype=float)
    rows = _describe(codes, latency, n_groups)
    rows["n"] = rows["n_traces"] = np.bincount(codes, minlength=n_groups)
    cut = grouped_quantiles(codes, np.nan_to_num(latency), n_groups, [TAIL_QUANTILE])[:, 0]
    tail = np.nan_to_num(latency) >= cut[codes]
    rows["self_ms_per_trace"], _ = _mean_sd(codes, latency, n_groups)
    rows["tail_self_ms_per_trace"], _ = _mean_sd(codes, np.where(tail, latency, np.nan), n_groups)
    tokens = traces["prompt_tokens"].to_numpy(dtype=float)
    rows["prompt_tokens_mean"], rows["prompt_tokens_sd"] = _mean_sd(codes, tokens, n_groups)
    cost = traces["cost_usd"].to_numpy(dtype=float)
    rows["cost_usd_mean"], rows["cost_usd_sd"] = _mean_sd(codes, cost, n_groups)
    rows["cost_per_trace_usd"] = rows["cost_usd_mean"]
    rows["n_tail"] = np.bincount(codes[tail], minlength=n_groups)
    return rows.assign(step=WHOLE_TRACE, span_kind="TRACE"), tail


def _step_rows(spans: pd.DataFrame, per_trace: pd.DataFrame) -> pd.DataFrame:
    """One row per (roll-up value, span name); `per_trace` gives each group's trace count and
    tail-trace count, and `spans` carries its trace's ``group`` and ``tail`` columns."""
    codes, uniques = pd.factorize(pd.MultiIndex.from_arrays([spans["group"], spans["name"]]))
    n_groups = len(uniques)
    rows = _describe(codes, spans["latency_ms"].to_numpy(dtype=float), n_groups)
    rows["n"] = np.bincount(codes, minlength=n_groups)
    group = np.asarray(uniques.get_level_values(0), dtype=int)
    traces = per_trace["n_traces"].to_numpy(dtype=float)[group]
    tails = per_trace["n_tail"].to_numpy(dtype=float)[group]
    self_ms = np.nan_to_num(spans["self_ms"].to_numpy(dtype=float))
    tail_ms = np.where(spans["tail"].to_numpy(dtype=bool), self_ms, 0.0)
    rows["self_ms_per_trace"] = np.bincount(codes, self_ms, n_groups) / traces
    rows["tail_self_ms_per_trace"] = np.bincount(codes, tail_ms, n_groups) / np.maximum(tails, 1)
    llm = spans["span_kind"].eq("LLM").to_numpy()
    tokens = np.where(llm, spans["prompt_tokens"].to_numpy(dtype=float), np.nan)
    rows["prompt_tokens_mean"], rows["prompt_tokens_sd"] = _mean_sd(codes, tokens, n_groups)
    cost = spans["cost_usd"].to_numpy(dtype=float)
    rows["cost_usd_mean"], rows["cost_usd_sd"] = _mean_sd(codes, cost, n_groups)
    priced = np.bincount(codes[~np.isnan(cost)], minlength=n_groups) > 0
    spent = np.bincount(codes, np.nan_to_num(cost), n_groups) / traces
    rows["cost_per_trace_usd"] = np.where(priced, spent, np.nan)
    rows["n_traces"] = traces.astype(int)
    rows["step"] = np.asarray(uniques.get_level_values(1), dtype=object)
    rows["span_kind"] = spans.groupby(codes)["span_kind"].first().reindex(range(n_groups)).values
    rows["group"] = group
    return rows


def _rollup(spans: pd.DataFrame, traces: pd.DataFrame, column: str | None) -> pd.DataFrame:
    """Every row of one roll-up: the day (``column`` None) or one cohort column's values."""
    codes, values = pd.factorize(_labels(traces, column))
    per_trace, tail = _trace_rows(traces, codes, len(values))
    marks = pd.DataFrame({"group": codes, "tail": tail}, index=traces["trace_id"])
    located = spans.join(marks, on="trace_id")
    steps = _step_rows(located[located["group"].notna()].astype({"group": int}), per_trace)
    per_trace["group"] = np.arange(len(values))
    rows = pd.concat([per_trace.drop(columns=["n_tail"]), steps], ignore_index=True)
    rows = rows.assign(**{c: ALL for c in COHORT_COLUMNS})
    if column:
        rows[column] = np.asarray(values, dtype=object)[rows["group"].to_numpy()]
    return rows


def step_daily(
    spans: pd.DataFrame, on_date: str | date, prices: Sequence[PriceOverride] = ()
) -> pd.DataFrame:
    """The day's ``fi_step_daily`` rows from its canonical spans (see the module docstring)."""
    if spans.empty:
        return pd.DataFrame(columns=list(STEP_COLUMNS))
    timed = spans_with_self_time(spans, on_date, prices)
    traces = trace_totals(timed)
    rollups = [_rollup(timed, traces, column) for column in (None, *COHORT_COLUMNS)]
    return pd.concat(rollups, ignore_index=True)[list(STEP_COLUMNS)]
