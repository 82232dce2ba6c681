"""What one alert is: a cohort's regressions on one day, and what makes a regression "the same".

A regression's identity is (partition, cohort, metric family, evaluator or step): the p50
and p99 of one step, or the pass rate and mean score of one evaluator, are one change. An
identity is paged once, whatever a re-materialization later computes for it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from fi_dagster.stats.comparisons import family_of

ALERT_GROUP = ["partition_date", "cohort"]


def identity(partition_date: str, cohort: str, regression: dict[str, Any]) -> str:
    family = family_of(regression["metric"])
    cohort_key = json.dumps(json.loads(cohort or "{}"), sort_keys=True)
    return "|".join([partition_date, cohort_key, family, str(regression["evaluator_or_stat"])])


def alert_identities(alert: dict[str, Any]) -> list[str]:
    if alert.get("kind", "regression") != "regression":
        return []
    return [identity(alert["partition_date"], alert["cohort"], r) for r in alert["regressions"]]


def dedupe_key(alert: dict[str, Any]) -> str:
    """Stable for the same regressions of the same cohort and day (or the same notice)."""
    parts = alert_identities(alert) or [alert.get("kind", ""), str(alert.get("notice_id", ""))]
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:32]


def group_alerts(regressions: pd.DataFrame, run_id: str | None = None) -> list[dict[str, Any]]:
    """One alert payload per partition × cohort, listing every regression of that cohort."""
    alerts = []
    for (day, cohort), rows in regressions.groupby(ALERT_GROUP, sort=True):
        records = json.loads(rows.drop(columns=ALERT_GROUP).to_json(orient="records"))
        alerts.append(
            {
                "kind": "regression",
                "partition_date": day,
                "cohort": cohort,
                "run_id": run_id,
                "regressions": records,
            }
        )
    return alerts


def without_known(alert: dict[str, Any], known: set[str]) -> dict[str, Any] | None:
    """`alert` restricted to regressions not paged yet; None when nothing is new."""
    fresh = [
        r
        for r in alert["regressions"]
        if identity(alert["partition_date"], alert["cohort"], r) not in known
    ]
    return {**alert, "regressions": fresh} if fresh else None
