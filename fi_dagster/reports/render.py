"""``fi-dagster report`` and the report asset: a table, JSON, or a self-contained HTML page."""

from __future__ import annotations

from functools import cache

import jinja2
from markupsafe import Markup

from fi_dagster.reports.charts import line_chart
from fi_dagster.reports.data import gather
from fi_dagster.summary import day_summary, format_table, to_json


@cache
def _environment() -> jinja2.Environment:
    # autoescape: trace-derived text (cohort values, span names, reasons) never becomes markup
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fi_dagster.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(warehouse, days: list[str], trailing_days: int = 28) -> str:
    report = gather(warehouse, days, trailing_days)
    charts = [Markup(line_chart(series, fmt=fmt)) for series, fmt in report.trends]
    return _environment().get_template("daily.html.j2").render(report=report, charts=charts)


def render_report(warehouse, days: list[str], fmt: str) -> str:
    if fmt == "html":
        return render_html(warehouse, days)
    summaries = [day_summary(warehouse, d) for d in days]
    return to_json(summaries) if fmt == "json" else format_table(summaries)
