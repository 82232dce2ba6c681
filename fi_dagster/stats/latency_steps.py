"""Latency comparisons: p50 and p99 of each step (and of the whole trace) per cohort roll-up.

The reference is the median over baseline days of the same row's daily percentile (one odd
day does not move it). A flag needs the ratio ``latency_ratio`` and a test:
- p50: Welch's t-test on log latency (a shift of the typical call);
- p99: how many of today's calls exceed the reference p99, at least as many as today's
  percentiles imply, against the 1% expected; a couple of slow outliers never pass.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fi_dagster.config import RegressionConfig
from fi_dagster.stats.baselines import pooled_moments, without_flagged
from fi_dagster.stats.comparisons import (
    WHOLE_TRACE_STAT,
    comparisons,
    empty_comparisons,
    rollup_rows,
)
from fi_dagster.stats.significance import mean_increase_p_values, rate_increase_p_values
from fi_dagster.stats.step_daily import WHOLE_TRACE
from fi_dagster.traces.schema import COHORT_COLUMNS

KEYS = [*COHORT_COLUMNS, "step"]
POINTS = (("p50_ms", 0.50), ("p90_ms", 0.90), ("p95_ms", 0.95), ("p99_ms", 0.99))


def exceeding_at_least(n: int, row: pd.Series, threshold: float) -> int:
    """A lower bound on how many of today's `n` calls took longer than `threshold`.

    If today's q-quantile is above it, at least n − ceil(q (n − 1)) calls are.
    """
    above = [q for col, q in POINTS if row[col] > threshold]
    return n - math.ceil(min(above) * (n - 1)) if above else 0


def _reference(baseline: pd.DataFrame) -> pd.DataFrame:
    daily = baseline[baseline["n"] > 0]
    keyed = daily.set_index(KEYS)[["p50_ms", "p99_ms"]]
    medians = keyed.groupby(level=list(range(len(KEYS)))).median().add_prefix("ref_")
    logs = pooled_moments(daily, KEYS, "log_ms_mean", "log_ms_sd").set_index(KEYS)
    return medians.join(logs, how="inner").reset_index()


def _stat(step: pd.Series) -> np.ndarray:
    return np.where(step == WHOLE_TRACE, WHOLE_TRACE_STAT, step)


def _p50(both: pd.DataFrame, config: RegressionConfig) -> pd.DataFrame:
    rows = both[(both["n"] >= config.min_n) & (both["ref_p50_ms"] > 0)]
    p = mean_increase_p_values(
        rows["base_mean"],
        rows["base_var"],
        rows["base_n"],
        rows["log_ms_mean"],
        rows["log_ms_sd"] ** 2,
        rows["n"],
    )
    return _latency(rows, "p50", p, config)


def _p99(both: pd.DataFrame, config: RegressionConfig) -> pd.DataFrame:
    rows = both[(both["n"] >= config.latency_min_n) & (both["ref_p99_ms"] > 0)]
    above = [exceeding_at_least(int(r["n"]), r, r["ref_p99_ms"]) for _, r in rows.iterrows()]
    p = rate_increase_p_values(0.01 * rows["base_n"], rows["base_n"], above, rows["n"])
    return _latency(rows, "p99", p, config)


def _latency(rows: pd.DataFrame, level: str, p: np.ndarray, config) -> pd.DataFrame:
    current, reference = rows[f"{level}_ms"], rows[f"ref_{level}_ms"]
    return comparisons(
        rows,
        metric=f"{level}_latency_ms",
        stat=_stat(rows["step"]),
        n=rows["n"],
        base_n=rows["base_n"],
        base_days=rows["base_days"],
        baseline_value=reference,
        current_value=current,
        effect=current / reference - 1,
        min_effect=config.latency_ratio - 1,
        p_raw=np.asarray(p, dtype=float),
    )


def latency_comparisons(
    current: pd.DataFrame, baseline: pd.DataFrame, flagged: pd.DataFrame, config: RegressionConfig
) -> pd.DataFrame:
    """Every latency test of the day (the common comparison shape), flagged or not."""
    if current.empty or baseline.empty:
        return empty_comparisons()
    baseline = baseline.assign(stat=_stat(baseline["step"]))
    reference = _reference(without_flagged(baseline, flagged, "latency", "stat"))
    both = rollup_rows(current).merge(reference, on=KEYS, how="inner")
    both = both[both["base_days"] >= config.min_baseline_days]
    found = [f for f in (_p50(both, config), _p99(both, config)) if not f.empty]
    return pd.concat(found, ignore_index=True) if found else empty_comparisons()
