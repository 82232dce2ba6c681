"""Render one ledger payload (a cohort's regressions on one day, or a failed run) as a Slack
Block Kit message. The message layout is a Jinja2 template; this module prepares the words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from fi_dagster.alerts.wording import baseline_of, regression_line, where_line

MAX_LINES = 12  # Slack sections hold 3,000 characters; the rest is in fi_regressions
MAX_SECTION_CHARS = 2900


@dataclass(frozen=True)
class AlertView:
    headline: str  # the notification text
    title: str
    body: str  # first line: cohort and partition; then one bullet per regression
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


def _links(alert: dict[str, Any], dagster_url: str | None, asset: str) -> list[str]:
    if not dagster_url:
        return []
    base = dagster_url.rstrip("/")
    links = []
    if alert.get("run_id"):
        links.append(f"<{base}/runs/{alert['run_id']}|Dagster run>")
    partition = alert["partition_date"]
    links.append(f"<{base}/assets/{asset}?view=partitions&partition={partition}|{asset}>")
    return links


def _regression_view(alert: dict[str, Any], dagster_url: str | None) -> AlertView:
    cohort = cohort_label(alert["cohort"])
    regressions = alert["regressions"]
    worst = "ERROR" if any(r["severity"] == "error" for r in regressions) else "WARN"
    day = alert["partition_date"]
    header = f"*Cohort:* `{cohort}`   *Partition:* {day}"
    baseline = baseline_of(regressions)
    lines = [header + (f"   *Baseline:* {baseline}" if baseline else "")]
    for regression in regressions[:MAX_LINES]:
        lines.append(f"• {regression_line(regression)}")
        where = where_line(regression)
        if where:
            lines.append(f"   _where:_ {where}")
    if len(regressions) > MAX_LINES:
        lines.append(f"… and {len(regressions) - MAX_LINES} more in fi_regressions")
    headline = f"[{worst}] {cohort} regressed on {day}: " + "; ".join(
        regression_line(r, markdown=False) for r in regressions[:3]
    )
    footer = " · ".join(
        [f"fi_dagster · severity {worst.lower()}", *_links(alert, dagster_url, "fi_regressions")]
    )
    return AlertView(headline, f"Regression: {cohort} ({day})", "\n".join(lines), footer)


def _run_failure_view(alert: dict[str, Any], dagster_url: str | None) -> AlertView:
    job, day = alert.get("job_name", "?"), alert["partition_date"]
    title = f"Run failed: {job} ({day})"
    body = "\n".join(
        [f"*Job:* `{job}`   *Partition:* {day}", f"• {alert.get('message') or 'see Dagster'}"]
    )
    links = _links(alert, dagster_url, "fi_alerts")[:1]
    footer = " · ".join(["fi_dagster · pipeline failure", *links])
    return AlertView(f":rotating_light: {title}", title, body, footer)


def alert_view(alert: dict[str, Any], dagster_url: str | None = None) -> AlertView:
    """The words of an alert; ``alert`` is a ledger payload."""
    if alert.get("kind") == "run_failure":
        return _run_failure_view(alert, dagster_url)
    return _regression_view(alert, dagster_url)


def render_message(alert: dict[str, Any], dagster_url: str | None = None) -> dict[str, Any]:
    """The Slack message (``text`` + ``blocks``) for one ledger payload."""
    view = alert_view(alert, dagster_url)
    body = view.body if len(view.body) <= MAX_SECTION_CHARS else view.body[:MAX_SECTION_CHARS] + "…"
    template = _environment().get_template("alert.json.j2")
    return json.loads(template.render(alert=view, body=body))
