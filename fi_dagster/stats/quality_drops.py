"""Quality comparisons: pass rate (JSON validity rate for JSONValidation), mean judge score
and eval error rate per cohort roll-up × evaluator, today against the pooled baseline.

Pass rates and scores are weighted estimates, so their tests use the Kish effective sample
size `n_eff`; the error rate is a plain count. The score test bounds the variance of a 0..1
score by m(1 − m), its largest possible value, since the table keeps no score variance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fi_dagster.config import RegressionConfig
from fi_dagster.stats.baselines import without_flagged
from fi_dagster.stats.comparisons import (
    comparisons,
    empty_comparisons,
    rollup_rows,
)
from fi_dagster.stats.proportions import Z_95, wilson_interval
from fi_dagster.stats.significance import mean_increase_p_values, rate_increase_p_values
from fi_dagster.traces.schema import COHORT_COLUMNS

KEYS = [*COHORT_COLUMNS, "evaluator"]
JSON_EVALUATOR = "JSONValidation"


def _prepared(quality: pd.DataFrame) -> pd.DataFrame:
    rows = rollup_rows(quality)
    rows = rows[(rows["n"] + rows["n_error"]) > 0].copy()
    n_eff = rows["n_eff"] if "n_eff" in rows else pd.Series(np.nan, index=rows.index)
    rows["n_eff"] = n_eff.fillna(rows["n"]).astype(float)
    rows["total"] = (rows["n"] + rows["n_error"]).astype(float)
    return rows.assign(
        w_pass=rows["pass_rate"] * rows["n_eff"],
        w_score=rows["mean_score"] * rows["n_eff"],
        w_scored=rows["n_eff"].where(rows["mean_score"].notna(), 0.0),
    )


def _pooled(baseline: pd.DataFrame) -> pd.DataFrame:
    """Per roll-up × evaluator: the baseline days' weighted sums and the number of days."""
    rows = _prepared(baseline)
    sums = pd.DataFrame(
        {
            "b_pass": rows["w_pass"].fillna(0).to_numpy(),
            "b_rated": rows["n_eff"].where(rows["pass_rate"].notna(), 0.0).to_numpy(),
            "b_score": rows["w_score"].fillna(0).to_numpy(),
            "b_scored": rows["w_scored"].to_numpy(),
            "b_error": rows["n_error"].to_numpy(dtype=float),
            "b_total": rows["total"].to_numpy(),
            "base_days": 1,  # one row per roll-up, evaluator and day
        },
        index=pd.MultiIndex.from_frame(rows[KEYS]),
    )
    return sums.groupby(level=list(range(len(KEYS)))).sum().reset_index()


def _rate_metric(evaluator: pd.Series) -> np.ndarray:
    return np.where(evaluator == JSON_EVALUATOR, "json_validity_rate", "pass_rate")


def _pass_rates(both: pd.DataFrame, config: RegressionConfig) -> pd.DataFrame:
    rows = both[both["pass_rate"].notna() & (both["b_rated"] > 0) & (both["n"] >= config.min_n)]
    base = rows["b_pass"] / rows["b_rated"]
    p = rate_increase_p_values(
        rows["b_rated"] - rows["b_pass"],
        rows["b_rated"],
        rows["n_eff"] - rows["w_pass"],
        rows["n_eff"],
    )
    return comparisons(
        rows,
        metric=_rate_metric(rows["evaluator"]),
        stat=rows["evaluator"],
        n=rows["n"],
        base_n=rows["b_rated"],
        base_days=rows["base_days"],
        baseline_value=base,
        current_value=rows["pass_rate"],
        effect=base - rows["pass_rate"],
        min_effect=config.min_pass_rate_drop,
        p_raw=np.asarray(p, dtype=float),
        interval_low=rows["pass_rate_ci_low"],
        interval_high=rows["pass_rate_ci_high"],
    )


def _scores(both: pd.DataFrame, config: RegressionConfig) -> pd.DataFrame:
    rows = both[both["mean_score"].notna() & (both["b_scored"] > 0) & (both["n"] >= config.min_n)]
    base = rows["b_score"] / rows["b_scored"]
    cur = rows["mean_score"]
    p = mean_increase_p_values(
        -base, base * (1 - base), rows["b_scored"], -cur, cur * (1 - cur), rows["n_eff"]
    )
    half = Z_95 * np.sqrt(cur * (1 - cur) / rows["n_eff"])
    return comparisons(
        rows,
        metric="mean_score",
        stat=rows["evaluator"],
        n=rows["n"],
        base_n=rows["b_scored"],
        base_days=rows["base_days"],
        baseline_value=base,
        current_value=cur,
        effect=base - cur,
        min_effect=config.min_score_drop,
        p_raw=np.asarray(p, dtype=float),
        interval_low=(cur - half).clip(lower=0),
        interval_high=(cur + half).clip(upper=1),
    )


def _error_rates(both: pd.DataFrame, config: RegressionConfig) -> pd.DataFrame:
    rows = both[(both["total"] >= config.min_n) & (both["b_total"] > 0)]
    base = rows["b_error"] / rows["b_total"]
    cur = rows["n_error"] / rows["total"]
    p = rate_increase_p_values(rows["b_error"], rows["b_total"], rows["n_error"], rows["total"])
    low, high = wilson_interval(cur.to_numpy(), rows["total"].to_numpy())
    return comparisons(
        rows,
        metric="eval_error_rate",
        stat=rows["evaluator"],
        n=rows["total"],
        base_n=rows["b_total"],
        base_days=rows["base_days"],
        baseline_value=base,
        current_value=cur,
        effect=cur - base,
        min_effect=config.min_error_rate_increase,
        p_raw=np.asarray(p, dtype=float),
        interval_low=low,
        interval_high=high,
    )


def quality_comparisons(
    current: pd.DataFrame, baseline: pd.DataFrame, flagged: pd.DataFrame, config: RegressionConfig
) -> pd.DataFrame:
    """Every quality test of the day (the common comparison shape), flagged or not."""
    if current.empty or baseline.empty:
        return empty_comparisons()
    today = _prepared(current)
    found = []
    for family, tests in (("quality", (_pass_rates, _scores)), ("eval_errors", (_error_rates,))):
        base = _pooled(without_flagged(baseline, flagged, family, "evaluator"))
        both = today.merge(base, on=KEYS, how="inner")
        both = both[both["base_days"] >= config.min_baseline_days]
        found += [test(both, config) for test in tests]
    found = [f for f in found if not f.empty]
    return pd.concat(found, ignore_index=True) if found else empty_comparisons()
