"""What each span and each trace spent: exclusive (self) time and LLM cost.

A slow step also lengthens every span that contains it, so steps are compared on *self*
time: a span's own duration minus its children's. Summed over a trace's spans, self times
add up to the trace's duration (less any overlap of parallel children), which is what lets
a trace's slowdown be split exactly between the steps that caused it.

A day has a million spans, so spans are matched to their parents and traces through integer
codes (each string id is hashed once), never through string keys or per-trace Python loops.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from fi_dagster.config import PriceOverride
from fi_dagster.stats.cost import SPAN_INPUTS, span_costs
from fi_dagster.traces.facts import span_id_codes
from fi_dagster.traces.schema import COHORT_COLUMNS

# What the step table reads: the trace structure, and every column a span's cost needs (cached
# and reasoning tokens are priced apart, as in fi_cost_daily).
_STRUCTURE = ("parent_span_id", "name", "start_time", "end_time", "latency_ms")
STEP_SPAN_COLUMNS = tuple(dict.fromkeys((*SPAN_INPUTS, *_STRUCTURE, *COHORT_COLUMNS)))


def spans_with_self_time(
    spans: pd.DataFrame, on_date: str | date, prices: Sequence[PriceOverride] = ()
) -> pd.DataFrame:
    """The spans with `trace` (their trace's row in `trace_totals`: traces in trace-id order;
    -1 without a trace id), `self_ms` (duration minus children's, ≥ 0) and `cost_usd` (LLM
    spans at list price; NaN for other spans and unpriced models); cohort columns filled
    with ''."""
    out = spans.assign(
        name=spans["name"].fillna(""),
        latency_ms=pd.to_numeric(spans["latency_ms"], errors="coerce").astype(float),
        prompt_tokens=pd.to_numeric(spans["prompt_tokens"], errors="coerce").astype(float),
        trace=pd.factorize(spans["trace_id"], sort=True)[0],
        **{c: spans[c].fillna("").astype(str) for c in COHORT_COLUMNS},
    )
    own, parent = _span_keys(out)
    out["self_ms"] = _self_ms(out["latency_ms"].to_numpy(), own, parent)
    out["cost_usd"] = _span_cost(out, own, on_date, prices)
    return out


def _span_keys(spans: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each span's (trace, span_id) and (trace, parent_span_id) as one int64, equal exactly
    when both ids are; -1 for no parent (or no trace)."""
    own_id, parent_id, width = span_id_codes(spans)
    trace = spans["trace"].to_numpy().astype(np.int64)
    own = trace * width + own_id
    parent = np.where((parent_id > 0) & (trace >= 0), trace * width + parent_id, -1)
    return own, parent


def _self_ms(latency: np.ndarray, own: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Latency minus the summed latency of the span's children, clipped at 0 (NaN stays)."""
    child = parent >= 0
    children = pd.Series(latency[child]).groupby(parent[child]).sum()
    inner = children.reindex(own).fillna(0.0).to_numpy()
    return np.clip(latency - inner, 0.0, None)


def _span_cost(
    spans: pd.DataFrame, own: np.ndarray, on_date: str | date, prices: Sequence[PriceOverride]
) -> np.ndarray:
    """Each span's LLM cost; a span id repeated in a trace takes its first LLM call's."""
    inputs = spans[[c for c in SPAN_INPUTS if c in spans]]  # no copy of the other columns
    costs = span_costs(inputs, on_date, prices)["cost_usd"].to_numpy(dtype=float)
    llm = spans["span_kind"].eq("LLM").to_numpy(dtype=bool, na_value=False)
    by_span = pd.Series(costs, index=own[llm])
    return by_span[~by_span.index.duplicated()].reindex(own).to_numpy(dtype=float)


def trace_totals(spans: pd.DataFrame) -> pd.DataFrame:
    """One row per trace of `spans_with_self_time`, in `trace` order: cohort (its first
    span's), duration (`latency_ms`: first start to last end, else the longest span), prompt
    tokens and LLM cost (NaN if no call was priced)."""
    numbers = pd.DataFrame(
        {
            "trace": spans["trace"],
            "row": np.arange(len(spans)),
            "start": spans["start_time"],
            "end": spans["end_time"],
            "longest": spans["latency_ms"],
            "prompt_tokens": spans["prompt_tokens"].fillna(0).astype("int64"),
            "cost_usd": spans["cost_usd"],
        }
    )
    grouped = numbers[numbers["trace"] >= 0].groupby("trace", sort=True)
    duration = (grouped["end"].max() - grouped["start"].min()).dt.total_seconds() * 1000.0
    cohort = spans[list(COHORT_COLUMNS)].iloc[grouped["row"].min().to_numpy()]
    return cohort.reset_index(drop=True).assign(
        latency_ms=duration.fillna(grouped["longest"].max()).to_numpy(dtype=float),
        prompt_tokens=grouped["prompt_tokens"].sum().to_numpy(dtype=float),
        cost_usd=grouped["cost_usd"].sum(min_count=1).to_numpy(dtype=float),
    )
