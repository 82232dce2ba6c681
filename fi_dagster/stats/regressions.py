"""Regressions for one day: pass-rate drops per cohort and p99 latency steps per span.

Baselines are the trailing days' rows of the quality and latency tables (with their
`partition_date`), already excluding the day under test.
"""

from __future__ import annotations

import pandas as pd

from fi_dagster.config import RegressionConfig
from fi_dagster.stats.latency_steps import latency_steps
from fi_dagster.stats.pass_rate_drops import pass_rate_drops

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


def detect_regressions(
    current_quality: pd.DataFrame,
    baseline_quality: pd.DataFrame,
    current_latency: pd.DataFrame,
    baseline_latency: pd.DataFrame,
    config: RegressionConfig,
    partition_date: str,
) -> pd.DataFrame:
    """All regressions of `partition_date` against its baseline, one row each.

    `cohort` and `attribution` are JSON strings; `delta` is current minus baseline.
    """
    found = []
    if not current_quality.empty and not baseline_quality.empty:
        found.append(pass_rate_drops(current_quality, baseline_quality, config, partition_date))
    if not current_latency.empty and not baseline_latency.empty:
        found.append(latency_steps(current_latency, baseline_latency, config, partition_date))
    found = [f for f in found if not f.empty]
    if not found:
        return pd.DataFrame(columns=list(REGRESSION_COLUMNS))
    return pd.concat(found, ignore_index=True)[list(REGRESSION_COLUMNS)]
