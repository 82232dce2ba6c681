"""One row per hypothesis tested today: a cohort × metric against its baseline.

Every detector (quality, latency, cost) returns this shape, so multiple-testing
correction, thresholds and echo folding are done once, over all of the day's tests.
`effect` is measured in the bad direction (a drop in pass rate, a rise in latency) and
flags need ``effect >= min_effect``: the minimum change worth a page.
"""

from __future__ import annotations

import pandas as pd

from fi_dagster.stats.quality import ALL
from fi_dagster.traces.schema import COHORT_COLUMNS

WHOLE_TRACE_STAT = "(trace)"
COMPARISON_COLUMNS = (
    *COHORT_COLUMNS,
    "metric",
    "stat",  # evaluator, step (span name) or "(trace)"
    "n",
    "base_n",
    "base_days",
    "baseline_value",
    "current_value",
    "effect",
    "min_effect",
    "p_raw",
    "interval_low",
    "interval_high",
)
FAMILIES = {
    "pass_rate": "quality",
    "json_validity_rate": "quality",
    "mean_score": "quality",
    "eval_error_rate": "eval_errors",
    "cost_per_trace_usd": "cost",
    "prompt_tokens_per_call": "tokens",
}


def family_of(metric: str) -> str:
    """Metrics of one family describe the same change (e.g. p50 and p99 latency of a step)."""
    return "latency" if metric.endswith("latency_ms") else FAMILIES.get(metric, metric)


def comparisons(rows: pd.DataFrame, **columns: object) -> pd.DataFrame:
    """`rows` (cohort columns + whatever `columns` are computed from) in the common shape."""
    if rows.empty:
        return empty_comparisons()
    out = rows[list(COHORT_COLUMNS)].reset_index(drop=True)
    for name, value in columns.items():
        out[name] = value.to_numpy() if isinstance(value, pd.Series) else value
    for name in ("interval_low", "interval_high"):
        if name not in out:
            out[name] = float("nan")
    return out[list(COMPARISON_COLUMNS)]


def empty_comparisons() -> pd.DataFrame:
    return pd.DataFrame(columns=list(COMPARISON_COLUMNS))


def rollup_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows for the whole day or one named cohort column: the cohorts regressions are tested on
    (finer cells are too small to say anything)."""
    if frame.empty:
        return frame
    named = (frame[list(COHORT_COLUMNS)] != ALL).sum(axis=1)
    return frame[named <= 1]


def cohort_of(row: pd.Series | dict) -> dict[str, str]:
    """The cohort columns a row is restricted to (its non-``*`` ones)."""
    return {c: row[c] for c in COHORT_COLUMNS if row[c] != ALL}


def dimensions(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per roll-up row: its named cohort column (None for all traffic) and a cohort key."""
    named = frame[list(COHORT_COLUMNS)].ne(ALL)
    dimension = named.idxmax(axis=1).astype(object).where(named.any(axis=1), None)
    value = [frame.at[i, d] if isinstance(d, str) else "" for i, d in dimension.items()]
    return dimension, dimension.fillna("") + "=" + pd.Series(value, index=frame.index).astype(str)


def cohort_label(cohort: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in cohort.items()) or "all traffic"
