"""The daily quality table: weighted pass rates per cohort × evaluator, with roll-ups.

Eval results come from a stratified sample, so every rate is weighted by ``sample_weight``
(estimating the whole day's traffic) and its confidence interval uses the Kish effective
sample size, which is what unequal weights leave of the raw count.

Roll-ups: ``*`` in a cohort column means "every value of that column". The table holds every
combination (a CUBE over model, prompt_version, route, tenant): full cohorts, each column
alone, each pair and triple, and the day (all four ``*``). A dashboard whose four filters are
each one value or "All" therefore reads exactly one row per evaluator, with a rate weighted
over exactly that traffic; nothing needs re-aggregating (rates and intervals cannot be summed).
Summing rows double counts. An empty string is a cohort value the traces did not carry.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from fi_dagster.stats.proportions import kish_effective_n, wilson_interval
from fi_dagster.traces.schema import COHORT_COLUMNS

ALL = "*"  # a cohort column rolled up over all its values
GROUPING_SETS: tuple[tuple[str, ...], ...] = tuple(
    dims for k in range(len(COHORT_COLUMNS), -1, -1) for dims in combinations(COHORT_COLUMNS, k)
)
QUALITY_COLUMNS = (
    *COHORT_COLUMNS,
    "evaluator",
    "n",
    "n_error",
    "pass_rate",
    "pass_rate_ci_low",
    "pass_rate_ci_high",
    "mean_score",
    "n_eff",
)
_SUMS = ("n", "n_error", "w_pass", "w_pass2", "w_passed", "w_score", "w_scored")


def _weighted_terms(eval_results: pd.DataFrame) -> pd.DataFrame:
    """One row per counted result with the per-row terms whose group sums give the table."""
    rows = eval_results[eval_results["status"].isin(["ok", "error"])]
    ok = (rows["status"] == "ok").to_numpy()
    weight = rows.get("sample_weight", pd.Series(1.0, index=rows.index)).astype(float)
    weight = weight.fillna(1.0).to_numpy()
    passed = pd.to_numeric(rows["passed"], errors="coerce").to_numpy(dtype=float)
    score = pd.to_numeric(rows["score"], errors="coerce").to_numpy(dtype=float)
    has_pass = ok & ~np.isnan(passed)
    has_score = ok & ~np.isnan(score)
    terms = rows[list(COHORT_COLUMNS)].astype(object).fillna("")
    return terms.assign(
        evaluator=rows["evaluator"].to_numpy(),
        n=ok.astype(int),
        n_error=(~ok).astype(int),
        w_pass=np.where(has_pass, weight, 0.0),
        w_pass2=np.where(has_pass, weight**2, 0.0),
        w_passed=np.where(has_pass, weight * np.nan_to_num(passed), 0.0),
        w_score=np.where(has_score, weight, 0.0),
        w_scored=np.where(has_score, weight * np.nan_to_num(score), 0.0),
    )


def _rolled_up(terms: pd.DataFrame) -> pd.DataFrame:
    """Group sums for every grouping set, absent cohort columns set to ``*``.

    Sums are additive, so the roll-ups are computed from the (small) full-cohort sums.
    """
    keys = [*COHORT_COLUMNS, "evaluator"]
    full = terms.groupby(keys, sort=True)[list(_SUMS)].sum().reset_index()
    starred = pd.concat(
        [
            full.assign(**{c: ALL for c in COHORT_COLUMNS if c not in dims})
            for dims in GROUPING_SETS[1:]
        ]
    )
    rolled = starred.groupby(keys, sort=True)[list(_SUMS)].sum().reset_index()
    return pd.concat([full, rolled], ignore_index=True)


def quality_daily(eval_results: pd.DataFrame) -> pd.DataFrame:
    """Per cohort × evaluator and roll-ups: n, n_error, weighted pass rate with a Wilson
    95% interval, weighted mean score, and the effective sample size `n_eff`.

    `skipped` results are not counted; a group with only errors has a NaN pass rate.
    """
    if eval_results.empty:
        return pd.DataFrame(columns=list(QUALITY_COLUMNS))
    sums = _rolled_up(_weighted_terms(eval_results))
    with np.errstate(divide="ignore", invalid="ignore"):
        pass_rate = np.where(sums["w_pass"] > 0, sums["w_passed"] / sums["w_pass"], np.nan)
        mean_score = np.where(sums["w_score"] > 0, sums["w_scored"] / sums["w_score"], np.nan)
    n_eff = kish_effective_n(sums["w_pass"], sums["w_pass2"])
    low, high = wilson_interval(pass_rate, n_eff)
    out = sums[[*COHORT_COLUMNS, "evaluator", "n", "n_error"]].assign(
        pass_rate=pass_rate,
        pass_rate_ci_low=low,
        pass_rate_ci_high=high,
        mean_score=mean_score,
        n_eff=n_eff,
    )
    return out[list(QUALITY_COLUMNS)]


def headline_pass_rate(eval_results: pd.DataFrame) -> float:
    """The day in one number: the weighted share of all evaluator checks that passed.

    Every evaluator's ok results count, each weighted by its trace's `sample_weight`; NaN
    when nothing was scored pass/fail.
    """
    if eval_results.empty:
        return float("nan")
    terms = _weighted_terms(eval_results)
    weight = float(terms["w_pass"].sum())
    return float(terms["w_passed"].sum()) / weight if weight > 0 else float("nan")
