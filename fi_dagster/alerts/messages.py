"""Render a regression as a Slack Block Kit message from a Jinja2 template."""

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
    return f"{value:.1%}" if metric.endswith("rate") else f"{value:,.1f}"


def alert_view(regression: dict[str, Any], dagster_url: str | None = None) -> AlertView:
    metric = regression["metric"]
    cohort = cohort_label(regression["cohort"])
    what = regression["evaluator_or_stat"]
    before = _fmt(metric, regression.get("baseline_value"))
    after = _fmt(metric, regression.get("current_value"))
    headline = (
        f"[{regression['severity'].upper()}] {metric} of {what} regressed for {cohort} "
        f"on {regression['partition_date']}: {before} → {after}"
    )
    lines = [f"*Cohort:* `{cohort}`", f"*{metric}* of *{what}*: {before} → {after}"]
    if regression.get("p_value") is not None:
        lines.append(f"p-value: {regression['p_value']:.2g}")
    attribution = json.loads(regression.get("attribution") or "{}")
    if attribution.get("summary"):
        lines.append(f"*Where:* {attribution['summary']}")
    footer = f"fi_dagster · partition {regression['partition_date']}"
    if dagster_url:
        footer += f" · <{dagster_url.rstrip('/')}/assets/fi_regressions|fi_regressions in Dagster>"
    return AlertView(headline, f"LLM quality regression: {cohort}", "\n".join(lines), footer)


def render_message(regression: dict[str, Any], dagster_url: str | None = None) -> dict[str, Any]:
    template = _environment().get_template("regression.json.j2")
    return json.loads(template.render(alert=alert_view(regression, dagster_url)))
