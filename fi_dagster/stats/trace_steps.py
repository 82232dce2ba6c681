"""What each span and each trace spent: exclusive (self) time and LLM cost.

A slow step also lengthens every span that contains it, so steps are compared on *self*
time: a span's own duration minus its children's. Summed over a trace's spans, self times
add up to the trace's duration (less any overlap of parallel children), which is what lets
a trace's slowdown be split exactly between the steps that caused it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from fi_dagster.config import PriceOverride
from fi_dagster.stats.cost import span_costs
from fi_dagster.traces.facts import trace_facts
from fi_dagster.traces.schema import COHORT_COLUMNS

STEP_SPAN_COLUMNS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "span_kind",
    "status",
    "start_time",
    "end_time",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "span_model",
    *COHORT_COLUMNS,
)


def spans_with_self_time(
    spans: pd.DataFrame, on_date: str | date, prices: Sequence[PriceOverride] = ()
) -> pd.DataFrame:
    """The spans with `self_ms` (duration minus children's, ≥ 0) and `cost_usd` (LLM spans
    at list price; NaN for other spans and unpriced models); cohort columns filled with ''."""
    out = spans.assign(
        name=spans["name"].fillna(""),
        latency_ms=pd.to_numeric(spans["latency_ms"], errors="coerce").astype(float),
        prompt_tokens=pd.to_numeric(spans["prompt_tokens"], errors="coerce").astype(float),
        **{c: spans[c].fillna("").astype(str) for c in COHORT_COLUMNS},
    )
    children = (
        out[out["parent_span_id"].notna()]
        .groupby(["trace_id", "parent_span_id"])["latency_ms"]
        .sum()
        .rename("children_ms")
    )
    keyed = pd.MultiIndex.from_arrays([out["trace_id"], out["span_id"]])
    inner = children.reindex(keyed).fillna(0.0).to_numpy()
    out["self_ms"] = np.clip(out["latency_ms"].to_numpy() - inner, 0.0, None)
    out["cost_usd"] = _span_cost(out, on_date, prices)
    return out


def _span_cost(spans: pd.DataFrame, on_date: str | date, prices: Sequence[PriceOverride]):
    costs = span_costs(spans, on_date, prices)
    if costs.empty:
        return np.full(len(spans), np.nan)
    by_span = costs.drop_duplicates(["trace_id", "span_id"]).set_index(["trace_id", "span_id"])
    keyed = pd.MultiIndex.from_arrays([spans["trace_id"], spans["span_id"]])
    return by_span["cost_usd"].reindex(keyed).to_numpy(dtype=float)


def trace_totals(spans: pd.DataFrame) -> pd.DataFrame:
    """One row per trace: cohort, duration (`latency_ms`: first start to last end, else the
    longest span), prompt tokens and LLM cost (NaN if no call was priced)."""
    facts = trace_facts(spans).set_index("trace_id")
    grouped = spans.groupby("trace_id", sort=True)
    latency = facts["latency_ms"].fillna(grouped["latency_ms"].max())
    return pd.DataFrame(
        {
            **{c: facts[c] for c in COHORT_COLUMNS},
            "latency_ms": latency,
            "prompt_tokens": facts["prompt_tokens"].astype(float),
            "cost_usd": grouped["cost_usd"].sum(min_count=1).reindex(facts.index),
        }
    ).reset_index()
