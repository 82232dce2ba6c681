"""SpanError: a trace passes when none of its spans ended in ERROR."""

from __future__ import annotations

from fi_dagster.evals.evaluators.base import Assessment, Finding
from fi_dagster.evals.trace_view import Span, Trace


class SpanError:
    name = "SpanError"
    version = "1"
    default_threshold = 0.5

    def assess(self, trace: Trace) -> list[Assessment]:
        errors = trace.error_spans()
        score = 0.0 if errors else 1.0
        reason = "ERROR spans: " + "; ".join(map(describe, errors)) if errors else "no ERROR spans"
        return [Finding(root, score, reason) for root in trace.roots()]


def describe(span: Span) -> str:
    """``name [KIND]: status message`` for listing a failed span."""
    message = f": {span.status_message[:200]}" if span.status_message else ""
    return f"{span.name} [{span.span_kind}]{message}"
