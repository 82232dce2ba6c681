"""``fi-dagster report``: one or more partitions as a table, JSON, or a self-contained HTML page."""

from __future__ import annotations

from functools import cache

import jinja2

from fi_dagster.summary import day_summary, format_table, to_json


@cache
def _html_environment() -> jinja2.Environment:
    # autoescape: trace text (cohort values, reasons) must never become markup
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fi_dagster", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render_report(warehouse, days: list[str], fmt: str) -> str:
    summaries = [day_summary(warehouse, d) for d in days]
    if fmt == "json":
        return to_json(summaries)
    if fmt == "table":
        return format_table(summaries)
    regressions = {
        d: warehouse.read_partition("fi_regressions", d).to_dict("records") for d in days
    }
    template = _html_environment().get_template("report.html.j2")
    return template.render(days=summaries, regressions=regressions)
