"""The daily latency table: exact percentiles per span kind × span name × model.

Percentiles are computed over every span of the day at once (numpy's linear interpolation),
never averaged across hours or files, so a day's p99 is the p99 of its spans.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fi_dagster.stats.percentiles import KeyCodes, grouped_quantiles

LATENCY_KEYS = ("span_kind", "span_name", "model")
LATENCY_COLUMNS = (*LATENCY_KEYS, "n", "p50_ms", "p95_ms", "p99_ms", "max_ms", "error_rate")
SPAN_INPUTS = ("span_kind", "name", "span_model", "latency_ms", "status", "parent_span_id")
_QUANTILES = (0.50, 0.95, 0.99, 1.0)


def latency_daily(spans: pd.DataFrame) -> pd.DataFrame:
    """Per (span_kind, span_name, model): span count, exact p50/p95/p99/max of `latency_ms`
    over the day and the share of spans with status ERROR.

    `model` is the span's own model (`span_model`), "" when the span names none.
    Spans without a latency count in `n` and `error_rate` but not in the percentiles.
    """
    if spans.empty:
        return pd.DataFrame(columns=list(LATENCY_COLUMNS))
    span_model = spans["span_model"] if "span_model" in spans else pd.Series("", index=spans.index)
    columns = [
        spans["span_kind"].fillna("UNKNOWN"),
        spans["name"].fillna(""),
        span_model.fillna(""),
    ]
    keys = KeyCodes(columns)
    groups, code = np.unique(keys.combine(), return_inverse=True)
    out = pd.DataFrame(dict(zip(LATENCY_KEYS, keys.labels(groups), strict=True)))
    out["n"] = np.bincount(code, minlength=len(groups))
    errors = spans["status"].eq("ERROR").to_numpy(dtype=float)
    out["error_rate"] = np.bincount(code, weights=errors, minlength=len(out)) / out["n"]
    latency = pd.to_numeric(spans["latency_ms"], errors="coerce").to_numpy(dtype=float)
    timed = ~np.isnan(latency)
    q = grouped_quantiles(code[timed], latency[timed], len(out), _QUANTILES)
    out["p50_ms"], out["p95_ms"], out["p99_ms"], out["max_ms"] = q.T
    return out[list(LATENCY_COLUMNS)]


@dataclass(frozen=True)
class LatencyHeadline:
    """The day's tail in two numbers (NaN when there is nothing to measure)."""

    request_p99_ms: float  # p99 over root spans: what a caller waited end to end
    llm_p99_ms: float  # p99 over LLM calls


def _p99(values: pd.Series) -> float:
    timed = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    return float(np.percentile(timed, 99)) if timed.size else float("nan")


def latency_headline(spans: pd.DataFrame) -> LatencyHeadline:
    """Exact p99 of the day's requests (root spans) and of its LLM calls."""
    if spans.empty:
        return LatencyHeadline(float("nan"), float("nan"))
    parent = spans["parent_span_id"] if "parent_span_id" in spans else pd.Series(None, spans.index)
    is_root = parent.isna() | parent.eq("")
    latency = spans["latency_ms"]
    return LatencyHeadline(_p99(latency[is_root]), _p99(latency[spans["span_kind"].eq("LLM")]))
