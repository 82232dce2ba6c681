"""Latency regressions: a span's tail (p95, p99) today against the median of its trailing days.

Both percentiles are tested because a slowdown confined to one cohort (say 15% of calls)
moves p95 far more than p99; each span name reports the percentile that moved most.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from scipy.stats import binom

from fi_dagster.config import RegressionConfig

_QUANTILES = (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99))
TESTED = ("p95_ms", "p99_ms")


def _by_span_name(latency: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Latency rows folded over models and kinds: total n and n-weighted percentiles.

    Percentiles of a union cannot be recovered from its parts; the n-weighted mean of the
    parts' percentiles is the approximation used here.
    """
    rows = latency[latency[list(TESTED)].notna().all(axis=1) & (latency["n"] > 0)]
    weighted = {col: rows[col] * rows["n"] for col, _ in _QUANTILES}
    folded = (
        rows.assign(**weighted)
        .groupby(keys)
        .agg(n=("n", "sum"), span_kind=("span_kind", "first"), **{c: (c, "sum") for c in weighted})
    )
    for col in weighted:
        folded[col] = folded[col] / folded["n"]
    return folded


def exceedance_p_value(
    n: int, current: pd.Series, threshold: float, tested: str = "p99_ms"
) -> float:
    """Approximate p-value of today's tail if nothing changed since the baseline percentile.

    If today's q-quantile exceeds the baseline ``tested`` percentile (level t), at least
    n - ceil(q (n-1)) of today's n spans do; with no change each span would exceed it with
    probability 1 - t (binomial tail).
    """
    level = dict(_QUANTILES)[tested]
    above = [q for col, q in _QUANTILES if current[col] > threshold]
    if not above:
        return 1.0
    exceeding = n - math.ceil(min(above) * (n - 1))
    return float(binom.sf(exceeding - 1, n, 1.0 - level))


def _slower_spans(
    current: pd.DataFrame, baseline: pd.DataFrame, config: RegressionConfig
) -> pd.DataFrame:
    """Span names with enough calls and baseline days whose tail grew by ``latency_ratio``.

    Columns: today's folded percentiles, ``metric`` (the percentile that moved most),
    ``baseline`` and ``current`` of that percentile, ``ratio``, ``days``, ``n``, ``span_kind``.
    """
    today = _by_span_name(current, ["span_name"])
    if "partition_date" not in baseline:
        baseline = baseline.assign(partition_date="?")
    daily = _by_span_name(baseline, ["span_name", "partition_date"])
    base = daily.groupby("span_name")[list(TESTED)].median().add_prefix("base_")
    base["days"] = daily.groupby("span_name").size()
    both = today.join(base, how="inner")
    both = both[(both["days"] >= config.min_baseline_days) & (both["n"] >= config.latency_min_n)]
    ratios = pd.DataFrame(
        {col: both[col] / both["base_" + col].where(both["base_" + col] > 0) for col in TESTED}
    )
    both = both.assign(metric=ratios.idxmax(axis=1, skipna=True), ratio=ratios.max(axis=1))
    both = both[both["ratio"] >= config.latency_ratio]
    pick = both["metric"].to_numpy()
    both["current"] = [both.at[i, m] for i, m in zip(both.index, pick, strict=True)]
    both["baseline"] = [both.at[i, "base_" + m] for i, m in zip(both.index, pick, strict=True)]
    return both


def _attribution(name: str, flag: pd.Series, share: float, slowest: str) -> str:
    return json.dumps(
        {
            "span_name": name,
            "span_kind": flag["span_kind"],
            "ratio": float(flag["ratio"]),
            "current_n": int(flag["n"]),
            "baseline_days": int(flag["days"]),
            "share_of_increase": float(share),
            "largest_ratio_span": slowest,
            "summary": (
                f"step `{name}` ({flag['metric'].removesuffix('_ms')} ×{flag['ratio']:.1f}); "
                f"{share:.0%} of the tail increase across slow steps"
            ),
        }
    )


def latency_steps(
    current: pd.DataFrame,
    baseline: pd.DataFrame,
    config: RegressionConfig,
    partition_date: str,
) -> pd.DataFrame:
    """One row per span name whose p99 grew by `latency_ratio` or more (regressions columns).

    The attribution gives each span's share of the summed p99 increase of all flagged spans
    and the span with the largest ratio: a slow step also slows the spans that contain it,
    but by a smaller ratio.
    """
    flags = _slower_spans(current, baseline, config)
    p_values = pd.Series(
        [
            exceedance_p_value(int(f["n"]), f, f["baseline"], f["metric"])
            for _, f in flags.iterrows()
        ],
        index=flags.index,
        dtype=float,
    )
    flags = flags[p_values < config.max_p_value]  # a tail of a few spans is not a regression
    if flags.empty:
        return pd.DataFrame()
    increase = flags["current"] - flags["baseline"]
    share = increase / increase.sum()
    slowest = str(flags["ratio"].idxmax())
    severe = flags["ratio"] - 1 >= 2 * (config.latency_ratio - 1)
    rows = list(flags.iterrows())
    return pd.DataFrame(
        {
            "partition_date": partition_date,
            "metric": [m.replace("_ms", "_latency_ms") for m in flags["metric"]],
            "cohort": "{}",
            "evaluator_or_stat": flags.index.to_numpy(),
            "baseline_value": flags["baseline"].to_numpy(),
            "current_value": flags["current"].to_numpy(),
            "delta": increase.to_numpy(),
            "p_value": p_values[flags.index].to_numpy(),
            "severity": np.where(severe, "error", "warn"),
            "attribution": [_attribution(n, f, share[n], slowest) for n, f in rows],
        }
    )
