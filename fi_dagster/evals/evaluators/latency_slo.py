"""LatencySLO: did the trace answer within its latency objective?

Judges the root span's latency (what the user waited) against
``evaluation.latency_slo_ms_by_route`` for the trace's route, else
``evaluation.latency_slo_ms``; with neither set it does not run.
"""

from __future__ import annotations

from collections.abc import Mapping

from fi_dagster.evals.evaluators.base import Assessment, Finding
from fi_dagster.evals.trace_view import Span, Trace


class LatencySLO:
    name = "LatencySLO"
    version = "1"
    default_threshold = 0.5

    def __init__(self, slo_ms: float | None = None, by_route: Mapping[str, float] | None = None):
        self.slo_ms = slo_ms
        self.by_route = dict(by_route or {})

    def assess(self, trace: Trace) -> list[Assessment]:
        slo = self.by_route.get(trace.cohort.route or "", self.slo_ms)
        if slo is None:
            return []
        return [_finding(root, slo) for root in trace.roots()]


def _finding(span: Span, slo_ms: float) -> Finding:
    if span.latency_ms is None:
        return Finding.skipped(span, "latency was not recorded")
    if span.latency_ms <= slo_ms:
        return Finding(span, 1.0, f"{span.latency_ms:,.0f} ms within the {slo_ms:,.0f} ms SLO")
    over = span.latency_ms - slo_ms
    return Finding(
        span, 0.0, f"{span.latency_ms:,.0f} ms exceeds the {slo_ms:,.0f} ms SLO by {over:,.0f} ms"
    )
