"""Render one alert (a cohort's regressions on one day) as a Slack Block Kit message.

The message comes from a Jinja2 template; this module only prepares the words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2


@dataclass(frozen=True)
class AlertView:
    headline: str
    title: str
    body: str
    footer: str


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fi_dagster.alerts", "templates"),
        autoescape=False,  # JSON output; every value goes through |tojson
        undefined=jinja2.StrictUndefined,
    )


def cohort_label(cohort_json: str) -> str:
    cohort = json.loads(cohort_json or "{}")
    return ", ".join(f"{k}={v}" for k, v in cohort.items()) or "all traffic"


def _fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if metric.endswith("rate") else f"{value:,.0f} ms"


def _line(regression: dict[str, Any]) -> str:
    metric = regression["metric"]
    before = _fmt(metric, regression.get("baseline_value"))
    after = _fmt(metric, regression.get("current_value"))
    text = f"{regression['evaluator_or_stat']} {metric}: {before} → {after}"
    p_value = regression.get("p_value")
    if p_value is not None and p_value == p_value:
        text += f" (p={p_value:.2g})"
    return text


def alert_view(alert: dict[str, Any], dagster_url: str | None = None) -> AlertView:
    """``alert`` is a ledger payload: partition_date, cohort (JSON), regressions (list)."""
    cohort = cohort_label(alert["cohort"])
    regressions = alert["regressions"]
    worst = "ERROR" if any(r["severity"] == "error" for r in regressions) else "WARN"
    headline = f"[{worst}] {cohort} regressed on {alert['partition_date']}: " + "; ".join(
        _line(r) for r in regressions
    )
    lines = [f"*Cohort:* `{cohort}`   *Partition:* {alert['partition_date']}"]
    for regression in regressions:
        lines.append(f"• {_line(regression)}")
        summary = json.loads(regression.get("attribution") or "{}").get("summary")
        if summary:
            lines.append(f"   _where:_ {summary}")
    footer = f"fi_dagster · severity {worst.lower()}"
    if dagster_url:
        footer += f" · <{dagster_url.rstrip('/')}/assets/fi_regressions|fi_regressions in Dagster>"
    return AlertView(
        headline, f"Regression: {cohort} ({alert['partition_date']})", "\n".join(lines), footer
    )


def render_message(alert: dict[str, Any], dagster_url: str | None = None) -> dict[str, Any]:
    template = _environment().get_template("regression.json.j2")
    return json.loads(template.render(alert=alert_view(alert, dagster_url)))
