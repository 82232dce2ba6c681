"""EmptyOutput: an LLM call that succeeded must have returned text or tool calls."""

from __future__ import annotations

from fi_dagster.evals.evaluators.base import Assessment, Finding
from fi_dagster.evals.trace_view import Span, Trace


class EmptyOutput:
    """One finding per LLM span that did not fail; failed calls are SpanError's."""

    name = "EmptyOutput"
    version = "1"
    default_threshold = 0.5

    def assess(self, trace: Trace) -> list[Assessment]:
        return [_finding(s) for s in trace.of_kind("LLM") if s.status != "ERROR"]


def _finding(span: Span) -> Finding:
    if span.captured_output():
        return Finding(span, 1.0, "output present")
    if not span.captured_input():
        return Finding.skipped(span, "content was not captured (neither input nor output)")
    return Finding(span, 0.0, "the call succeeded but returned no text and no tool calls")
