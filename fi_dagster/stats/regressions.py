"""Regressions of one day: every cohort × metric tested against its baseline, flagged with a
false-discovery-rate guarantee, folded into one row per real change, and explained.

Inputs are the day's rows and the baseline days' rows of ``fi_quality_daily`` and
``fi_step_daily`` (with ``partition_date``), plus the regressions already stored for those
baseline days (their days are left out of the affected metric's baseline).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from fi_dagster.config import RegressionConfig
from fi_dagster.stats.baselines import BaselineWindow, flagged_days
from fi_dagster.stats.comparisons import cohort_of
from fi_dagster.stats.cost_growth import cost_comparisons
from fi_dagster.stats.day_tables import DayTables
from fi_dagster.stats.explain import explain
from fi_dagster.stats.flags import fold_containers, fold_echoes, significant
from fi_dagster.stats.latency_steps import latency_comparisons
from fi_dagster.stats.quality_drops import quality_comparisons

REGRESSION_COLUMNS = (
    "partition_date",
    "metric",
    "cohort",
    "evaluator_or_stat",
    "baseline_value",
    "current_value",
    "delta",
    "p_value",
    "severity",
    "attribution",
)


def all_tests(
    tables: DayTables, earlier: pd.DataFrame | None, config: RegressionConfig
) -> pd.DataFrame:
    """Every comparison of the day, significant or not (the multiple-testing family)."""
    flagged = flagged_days(earlier if config.exclude_flagged_days else None)
    found = [
        quality_comparisons(tables.quality, tables.baseline_quality, flagged, config),
        latency_comparisons(tables.steps, tables.baseline_steps, flagged, config),
        cost_comparisons(tables.steps, tables.baseline_steps, flagged, config),
    ]
    found = [f for f in found if not f.empty]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


def detect_regressions(
    tables: DayTables,
    config: RegressionConfig,
    partition_date: str,
    earlier: pd.DataFrame | None = None,
    window: BaselineWindow | None = None,
) -> pd.DataFrame:
    """All regressions of `partition_date`, one row each (``fi_regressions`` columns).

    `cohort` and `attribution` are JSON strings; `delta` is current minus baseline;
    `p_value` is Benjamini–Hochberg adjusted over the day's tests.
    """
    tests = all_tests(tables, earlier, config)
    if tests.empty:
        return pd.DataFrame(columns=list(REGRESSION_COLUMNS))
    flags = fold_echoes(significant(tests, config.max_p_value), tests)
    if flags.empty:
        return pd.DataFrame(columns=list(REGRESSION_COLUMNS))
    explained = [explain(f, tables) for _, f in flags.iterrows()]
    flags = fold_containers(
        flags.assign(details=[d for d, _ in explained], summary=[s for _, s in explained])
    )
    severe = flags["effect"] >= 2 * flags["min_effect"]
    return pd.DataFrame(
        {
            "partition_date": partition_date,
            "metric": flags["metric"].to_numpy(),
            "cohort": [json.dumps(cohort_of(f)) for _, f in flags.iterrows()],
            "evaluator_or_stat": flags["stat"].to_numpy(),
            "baseline_value": flags["baseline_value"].to_numpy(dtype=float),
            "current_value": flags["current_value"].to_numpy(dtype=float),
            "delta": (flags["current_value"] - flags["baseline_value"]).to_numpy(dtype=float),
            "p_value": flags["p_value"].to_numpy(dtype=float),
            "severity": np.where(severe, "error", "warn"),
            "attribution": [_attribution(f, window) for _, f in flags.iterrows()],
        }
    )[list(REGRESSION_COLUMNS)]


def _number(value: object) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def _attribution(flag: pd.Series, window: BaselineWindow | None) -> str:
    return json.dumps(
        {
            "summary": flag["summary"],
            "n": int(flag["n"]),
            "baseline_n": float(flag["base_n"]),
            "baseline_days": int(flag["base_days"]),
            "baseline": window.describe() if window else None,
            "interval": [_number(flag["interval_low"]), _number(flag["interval_high"])],
            "p_raw": float(flag["p_raw"]),
            "min_effect": float(flag["min_effect"]),
            "also_flagged": flag["also_flagged"],
            **flag["details"],
        }
    )
