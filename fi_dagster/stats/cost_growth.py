"""Cost comparisons: cost per trace, and prompt tokens per call of each LLM step (a prompt
template that grew), per cohort roll-up, today's mean against the pooled baseline mean.

Both are means of skewed quantities, so besides Welch's t-test a flag needs the ratio
``cost_ratio`` / ``tokens_ratio``: a large day is significant for tiny changes.
"""

from __future__ import annotations

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
from fi_dagster.stats.proportions import Z_95
from fi_dagster.stats.significance import mean_increase_p_values
from fi_dagster.stats.step_daily import WHOLE_TRACE
from fi_dagster.traces.schema import COHORT_COLUMNS

KEYS = [*COHORT_COLUMNS, "step"]


def _mean_growth(
    today: pd.DataFrame,
    baseline: pd.DataFrame,
    column: str,
    metric: str,
    ratio: float,
    config: RegressionConfig,
) -> pd.DataFrame:
    """Today's mean of `column` (with its ``_sd``) against the baseline's, per cohort × step."""
    sd = column.removesuffix("_mean") + "_sd"
    pooled = pooled_moments(baseline, KEYS, column, sd)
    both = today[today[column].notna()].merge(pooled, on=KEYS, how="inner")
    both = both[
        (both["base_days"] >= config.min_baseline_days)
        & (both["n"] >= config.min_n)
        & (both["base_mean"] > 0)
    ]
    cur, var = both[column], both[sd].fillna(0) ** 2
    p = mean_increase_p_values(
        both["base_mean"], both["base_var"], both["base_n"], cur, var, both["n"]
    )
    half = Z_95 * np.sqrt(var / both["n"])
    return comparisons(
        both,
        metric=metric,
        stat=np.where(both["step"] == WHOLE_TRACE, WHOLE_TRACE_STAT, both["step"]),
        n=both["n"],
        base_n=both["base_n"],
        base_days=both["base_days"],
        baseline_value=both["base_mean"],
        current_value=cur,
        effect=cur / both["base_mean"] - 1,
        min_effect=ratio - 1,
        p_raw=np.asarray(p, dtype=float),
        interval_low=(cur - half).clip(lower=0),
        interval_high=cur + half,
    )


def cost_comparisons(
    current: pd.DataFrame, baseline: pd.DataFrame, flagged: pd.DataFrame, config: RegressionConfig
) -> pd.DataFrame:
    """Cost-per-trace and prompt-tokens-per-call tests of the day, flagged or not."""
    if current.empty or baseline.empty:
        return empty_comparisons()
    today = rollup_rows(current)
    traces = today[today["step"] == WHOLE_TRACE]
    calls = today[(today["step"] != WHOLE_TRACE) & (today["span_kind"] == "LLM")]
    cost_base = without_flagged(baseline.assign(stat=WHOLE_TRACE_STAT), flagged, "cost", "stat")
    token_base = without_flagged(baseline, flagged, "tokens", "step")
    found = [
        _mean_growth(
            traces, cost_base, "cost_usd_mean", "cost_per_trace_usd", config.cost_ratio, config
        ),
        _mean_growth(
            calls,
            token_base,
            "prompt_tokens_mean",
            "prompt_tokens_per_call",
            config.tokens_ratio,
            config,
        ),
    ]
    found = [f for f in found if not f.empty]
    return pd.concat(found, ignore_index=True) if found else empty_comparisons()
