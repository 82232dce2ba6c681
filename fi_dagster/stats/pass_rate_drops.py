"""Pass-rate regressions: today's weighted pass rate against the pooled trailing baseline.

Only the total and the one-dimension roll-ups are tested (full four-column cohorts are too
small to say anything). One regression usually shows up in several roll-ups at once (the
tenant that broke, the total, the model that tenant uses...); those echoes are folded into
the attribution of the most telling flag instead of paging once each.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from fi_dagster.config import RegressionConfig
from fi_dagster.stats.proportions import drop_p_value
from fi_dagster.stats.quality import ALL
from fi_dagster.traces.schema import COHORT_COLUMNS

_KEYS = [*COHORT_COLUMNS, "evaluator"]
_EPS = 1e-9


def _rollups(quality: pd.DataFrame) -> pd.DataFrame:
    """Rows that are the total or a single-dimension roll-up, with a pass rate."""
    named = (quality[list(COHORT_COLUMNS)] != ALL).sum(axis=1)
    rows = quality[(named <= 1) & quality["pass_rate"].notna() & (quality["n"] > 0)].copy()
    n_eff = rows["n_eff"] if "n_eff" in rows else pd.Series(np.nan, index=rows.index)
    rows["n_eff"] = n_eff.fillna(rows["n"]).astype(float)
    return rows


def _pooled_baseline(baseline: pd.DataFrame) -> pd.DataFrame:
    """Per roll-up × evaluator: pass rate pooled over days (weighted by n), n, n_eff, days."""
    rows = _rollups(baseline)
    days = rows["partition_date"] if "partition_date" in rows else pd.Series("?", index=rows.index)
    rows = rows.assign(passes=rows["pass_rate"] * rows["n"], day=days)
    pooled = rows.groupby(_KEYS).agg(
        base_passes=("passes", "sum"),
        base_n=("n", "sum"),
        base_n_eff=("n_eff", "sum"),
        base_days=("day", "nunique"),
    )
    pooled["baseline_value"] = pooled["base_passes"] / pooled["base_n"]
    return pooled.reset_index()


def cohort_of(row: pd.Series) -> dict[str, str]:
    """The cohort columns a row is restricted to (its non-``*`` ones)."""
    return {c: row[c] for c in COHORT_COLUMNS if row[c] != ALL}


def _candidates(
    current: pd.DataFrame, baseline: pd.DataFrame, config: RegressionConfig
) -> pd.DataFrame:
    """Roll-ups whose drop is large, well-measured and significant."""
    today = _rollups(current)
    today = today[today["n"] >= config.min_n]
    both = today.merge(_pooled_baseline(baseline), on=_KEYS, how="inner")
    both = both[both["base_days"] >= config.min_baseline_days]
    both = both.assign(drop=both["baseline_value"] - both["pass_rate"])
    both = both[both["drop"] >= config.min_pass_rate_drop - _EPS].reset_index(drop=True)
    tests = [
        drop_p_value(r.baseline_value, r.base_n_eff, r.pass_rate, r.n_eff)
        for r in both.itertuples()
    ]
    both["z"] = [z for z, _ in tests]
    both["p_value"] = [p for _, p in tests]
    return both[both["p_value"] < config.max_p_value]


def _dimension(row: pd.Series) -> str | None:
    named = [c for c in COHORT_COLUMNS if row[c] != ALL]
    return named[0] if named else None


def _echo(flag: pd.Series) -> dict[str, object]:
    return {
        "cohort": cohort_of(flag),
        "delta": -float(flag["drop"]),
        "p_value": float(flag["p_value"]),
    }


def _fold_echoes(flags: pd.DataFrame) -> pd.DataFrame:
    """Per evaluator keep the strongest single-dimension flag (drop × z) and the flags of
    other values of that same dimension (disjoint traffic, so not echoes of it); the rest
    are listed in the strongest flag's `also_flagged`."""
    flags = flags.assign(
        dimension=[_dimension(r) for _, r in flags.iterrows()],
        strength=flags["drop"] * flags["z"],
    )
    kept, also = [], {}
    for _, group in flags.groupby("evaluator", sort=True):
        singles = group[group["dimension"].notna()]
        top = (singles if len(singles) else group)["strength"].idxmax()
        top_dimension = group.at[top, "dimension"]
        same = group["dimension"].eq(top_dimension) if top_dimension else group.index == top
        also[top] = [_echo(e) for _, e in group[~same].iterrows()]
        kept.append(group[same])
    folded = pd.concat(kept)
    folded["also_flagged"] = [also.get(i, []) for i in folded.index]
    return folded


def pass_rate_drops(
    current: pd.DataFrame,
    baseline: pd.DataFrame,
    config: RegressionConfig,
    partition_date: str,
) -> pd.DataFrame:
    """One row per pass-rate regression (regressions table columns)."""
    flags = _candidates(current, baseline, config)
    if flags.empty:
        return pd.DataFrame()
    flags = _fold_echoes(flags)
    severe = flags["drop"] >= 2 * config.min_pass_rate_drop - _EPS
    return pd.DataFrame(
        {
            "partition_date": partition_date,
            "metric": "pass_rate",
            "cohort": [json.dumps(cohort_of(r)) for _, r in flags.iterrows()],
            "evaluator_or_stat": flags["evaluator"].to_numpy(),
            "baseline_value": flags["baseline_value"].to_numpy(),
            "current_value": flags["pass_rate"].to_numpy(),
            "delta": -flags["drop"].to_numpy(),
            "p_value": flags["p_value"].to_numpy(),
            "severity": np.where(severe, "error", "warn"),
            "attribution": [_attribution(r) for _, r in flags.iterrows()],
        }
    )


def _attribution(flag: pd.Series) -> str:
    return json.dumps(
        {
            "cohort": cohort_of(flag),
            "evaluator": flag["evaluator"],
            "current_n": int(flag["n"]),
            "baseline_n": int(flag["base_n"]),
            "baseline_days": int(flag["base_days"]),
            "z": float(flag["z"]) if np.isfinite(flag["z"]) else None,
            "also_flagged": flag["also_flagged"],
            "summary": (
                f"{_label(cohort_of(flag))}: {flag['evaluator']} pass rate "
                f"{flag['baseline_value']:.1%} → {flag['pass_rate']:.1%} "
                f"over {int(flag['n'])} results"
            ),
        }
    )


def _label(cohort: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in cohort.items()) or "all traffic"
