"""Regression rows and a movable clock for the alert tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

DAY = "2026-11-10"


class Clock:
    """Naive-UTC time that only moves when the test says so."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 11, 6, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def regression(
    cohort: dict, metric: str, stat: str, before: float, after: float, summary: str = ""
) -> dict:
    return {
        "partition_date": DAY,
        "metric": metric,
        "cohort": json.dumps(cohort),
        "evaluator_or_stat": stat,
        "baseline_value": before,
        "current_value": after,
        "delta": after - before,
        "p_value": 1e-9,
        "severity": "error",
        "attribution": json.dumps({"summary": summary, "n": 120, "interval": [None, None]}),
    }
