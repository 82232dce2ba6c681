"""The daily report: one partition's quality, cost, latency and regressions, with trends."""

from fi_dagster.reports.render import render_report

__all__ = ["render_report"]
