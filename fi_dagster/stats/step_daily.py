"""The daily step table ``fi_step_daily``: latency, self time, tokens and cost per cohort × step.

Rows cover the day and each single cohort column (the others ``*``), for every span name
(``step``) and for the whole trace (``step = "*"``). Percentiles cannot be pooled across
days, so the regression tests compare today's row with the same row of earlier days; the
self-time and cost columns are per trace of the cohort, so they add up across steps and
split a trace-level change between the steps that caused it.

A day has a million spans and five roll-ups (the day, then each cohort column): the spans are
turned into arrays and their latencies sorted once, and each roll-up only regroups them by
integer codes: one sort of the spans instead of three per roll-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from fi_dagster.config import PriceOverride
from fi_dagster.stats.percentiles import SortedValues
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
    codes, values = codes[ok], values[ok]
    count = np.bincount(codes, minlength=n_groups).astype(float)
    total = np.bincount(codes, weights=values, minlength=n_groups)
    squares = np.bincount(codes, weights=values**2, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
        var = np.where(count > 1, (squares - count * mean**2) / (count - 1), np.nan)
    return mean, np.sqrt(np.clip(var, 0, None))


def _describe(
    codes: np.ndarray, latency: SortedValues, log_latency: np.ndarray, n_groups: int
) -> dict[str, np.ndarray]:
    """Percentiles and log-latency mean / sd of each group's (positive, timed) durations."""
    q = latency.grouped_quantiles(codes, n_groups, [q for _, q in _QUANTILES])
    out = {name: q[:, j] for j, (name, _) in enumerate(_QUANTILES)}
    out["log_ms_mean"], out["log_ms_sd"] = _mean_sd(codes, log_latency, n_groups)
    return out


def _log(latency: np.ndarray) -> np.ndarray:
    return np.log(np.where(latency > 0, latency, np.nan))


@dataclass(frozen=True)
class _Traces:
    """The trace columns the ``*`` rows need, durations sorted once for the five roll-ups."""

    cohort: pd.DataFrame  # the cohort columns
    latency: np.ndarray
    log_latency: np.ndarray
    sorted_latency: SortedValues
    sorted_duration: SortedValues  # NaN durations as 0, for the tail cut
    tokens: np.ndarray
    cost: np.ndarray

    @classmethod
    def of(cls, traces: pd.DataFrame) -> _Traces:
        latency = traces["latency_ms"].to_numpy(dtype=float)
        return cls(
            cohort=traces[list(COHORT_COLUMNS)],
            latency=latency,
            log_latency=_log(latency),
            sorted_latency=SortedValues(latency),
            sorted_duration=SortedValues(np.nan_to_num(latency)),
            tokens=traces["prompt_tokens"].to_numpy(dtype=float),
            cost=traces["cost_usd"].to_numpy(dtype=float),
        )


@dataclass(frozen=True)
class _Spans:
    """The span columns the step rows need, as arrays aligned with each other."""

    trace: np.ndarray  # position of the span's trace in the trace table
    name: np.ndarray  # code into `names`
    names: np.ndarray
    kind: np.ndarray  # code into `kinds`
    kinds: np.ndarray
    latency: np.ndarray
    log_latency: np.ndarray
    sorted_latency: SortedValues
    self_ms: np.ndarray
    llm_tokens: np.ndarray  # prompt tokens of LLM spans, NaN for the others
    cost: np.ndarray

    @classmethod
    def of(cls, spans: pd.DataFrame) -> _Spans:
        name, names = pd.factorize(spans["name"])
        kind, kinds = pd.factorize(spans["span_kind"].fillna("UNKNOWN"))
        llm = spans["span_kind"].eq("LLM").to_numpy(dtype=bool, na_value=False)
        latency = spans["latency_ms"].to_numpy(dtype=float)
        return cls(
            trace=spans["trace"].to_numpy(),
            name=name,
            names=np.asarray(names, dtype=object),
            kind=kind,
            kinds=np.asarray(kinds, dtype=object),
            latency=latency,
            log_latency=_log(latency),
            sorted_latency=SortedValues(latency),
            self_ms=np.nan_to_num(spans["self_ms"].to_numpy(dtype=float)),
            llm_tokens=np.where(llm, spans["prompt_tokens"].to_numpy(dtype=float), np.nan),
            cost=spans["cost_usd"].to_numpy(dtype=float),
        )


def _trace_rows(traces: _Traces, codes: np.ndarray, n_groups: int):
    """The ``step = "*"`` rows: duration percentiles, mean and tail-mean duration, tokens and
    cost per trace; and a flag per trace: at or above its group's p95 duration (the tail)."""
    latency = traces.latency
    rows = _describe(codes, traces.sorted_latency, traces.log_latency, n_groups)
    rows["n"] = rows["n_traces"] = np.bincount(codes, minlength=n_groups)
    cut = traces.sorted_duration.grouped_quantiles(codes, n_groups, [TAIL_QUANTILE])[:, 0]
    tail = np.nan_to_num(latency) >= cut[codes]
    rows["self_ms_per_trace"], _ = _mean_sd(codes, latency, n_groups)
    rows["tail_self_ms_per_trace"], _ = _mean_sd(codes, np.where(tail, latency, np.nan), n_groups)
    rows["prompt_tokens_mean"], rows["prompt_tokens_sd"] = _mean_sd(codes, traces.tokens, n_groups)
    rows["cost_usd_mean"], rows["cost_usd_sd"] = _mean_sd(codes, traces.cost, n_groups)
    rows["cost_per_trace_usd"] = rows["cost_usd_mean"]
    rows["n_tail"] = np.bincount(codes[tail], minlength=n_groups)
    rows["step"] = np.full(n_groups, WHOLE_TRACE, dtype=object)
    rows["span_kind"] = np.full(n_groups, "TRACE", dtype=object)
    rows["group"] = np.arange(n_groups)
    return rows, tail


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct keys in ascending order, each row's index into them and the first row
    of each: ``np.unique(keys, return_index=True, return_inverse=True)`` by hashing a
    million keys instead of sorting them."""
    seen, distinct = pd.factorize(keys)  # numbered in order of first appearance
    first = np.flatnonzero(np.diff(np.maximum.accumulate(seen), prepend=-1))  # a new number
    ascending = np.argsort(distinct)
    rank = np.empty_like(ascending)
    rank[ascending] = np.arange(len(ascending))
    return distinct[ascending], rank[seen], first[ascending]


def _step_rows(spans: _Spans, trace_group: np.ndarray, tail: np.ndarray, per_trace: dict):
    """One row per (roll-up value, span name); self time and cost are per trace of the
    group (and per tail trace of the group for the tail column)."""
    pairs, codes, first = _distinct(trace_group[spans.trace] * len(spans.names) + spans.name)
    n_groups = len(pairs)
    group = pairs // len(spans.names)
    traces = per_trace["n_traces"][group].astype(float)
    tails = np.maximum(per_trace["n_tail"][group], 1)
    rows = _describe(codes, spans.sorted_latency, spans.log_latency, n_groups)
    rows["n"] = np.bincount(codes, minlength=n_groups)
    rows["n_traces"] = per_trace["n_traces"][group]
    rows["self_ms_per_trace"] = np.bincount(codes, spans.self_ms, n_groups) / traces
    in_tail = np.where(tail[spans.trace], spans.self_ms, 0.0)
    rows["tail_self_ms_per_trace"] = np.bincount(codes, in_tail, n_groups) / tails
    tokens = _mean_sd(codes, spans.llm_tokens, n_groups)
    rows["prompt_tokens_mean"], rows["prompt_tokens_sd"] = tokens
    rows["cost_usd_mean"], rows["cost_usd_sd"] = _mean_sd(codes, spans.cost, n_groups)
    priced = np.bincount(codes[~np.isnan(spans.cost)], minlength=n_groups) > 0
    spent = np.bincount(codes, np.nan_to_num(spans.cost), n_groups) / traces
    rows["cost_per_trace_usd"] = np.where(priced, spent, np.nan)
    rows["step"] = spans.names[spans.name[first]]
    rows["span_kind"] = spans.kinds[spans.kind[first]]
    rows["group"] = group
    return rows


def _rollup(spans: _Spans, traces: _Traces, column: str | None) -> pd.DataFrame:
    """Every row of one roll-up: the day (``column`` None) or one cohort column's values."""
    labels = traces.cohort[column] if column else pd.Series(ALL, index=traces.cohort.index)
    codes, values = pd.factorize(labels)
    per_trace, tail = _trace_rows(traces, codes, len(values))
    steps = _step_rows(spans, codes, tail, per_trace)
    group = np.concatenate([per_trace["group"], steps["group"]])
    rows = {c: np.full(len(group), ALL, dtype=object) for c in COHORT_COLUMNS}
    if column:
        rows[column] = np.asarray(values, dtype=object)[group]
    for name in STEP_COLUMNS[len(COHORT_COLUMNS) :]:
        rows[name] = np.concatenate([per_trace[name], steps[name]])
    return pd.DataFrame(rows)


def step_daily(
    spans: pd.DataFrame, on_date: str | date, prices: Sequence[PriceOverride] = ()
) -> pd.DataFrame:
    """The day's ``fi_step_daily`` rows from its canonical spans (see the module docstring)."""
    if spans.empty:
        return pd.DataFrame(columns=list(STEP_COLUMNS))
    timed = spans_with_self_time(spans, on_date, prices)
    traces = _Traces.of(trace_totals(timed))
    arrays = _Spans.of(timed)
    rollups = [_rollup(arrays, traces, column) for column in (None, *COHORT_COLUMNS)]
    return pd.concat(rollups, ignore_index=True)
