"""A compact, text rendering of what an agent did, for judging task completion."""

from __future__ import annotations

import json

from fi_dagster.evals.evaluators.span_error import describe
from fi_dagster.evals.trace_view import Span, Trace

MAX_FIELD_CHARS = 300
MAX_TRAJECTORY_CHARS = 12_000


def render_trajectory(trace: Trace) -> str:
    """One numbered step per span: name, kind, status, tool calls, tool results, errors."""
    steps = [_step(i, span) for i, span in enumerate(trace.spans, start=1)]
    text = "\n".join(steps)
    if len(text) > MAX_TRAJECTORY_CHARS:
        text = text[:MAX_TRAJECTORY_CHARS] + "\n[trajectory truncated]"
    return text


def tool_argument_errors(trace: Trace) -> list[str]:
    """Tool calls whose arguments are not a JSON object, as ``span: tool``."""
    return [
        f"{span.name}: {call.name}"
        for span in trace.spans
        for call in span.tool_calls
        if not _is_json_object(call.arguments)
    ]


def error_summary(trace: Trace) -> str:
    return "; ".join(describe(s) for s in trace.error_spans())


def _step(number: int, span: Span) -> str:
    lines = [f"{number}. {span.name} [{span.span_kind}] {span.status}"]
    if span.status == "ERROR" and span.status_message:
        lines.append(f"   error: {_clip(span.status_message)}")
    lines += [f"   calls {c.name}({_clip(c.arguments)})" for c in span.tool_calls]
    if span.span_kind == "TOOL":
        lines.append(f"   input: {_clip(span.input_text)}")
        lines.append(f"   result: {_clip(span.output_text)}")
    return "\n".join(lines)


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_FIELD_CHARS else text[: MAX_FIELD_CHARS - 1] + "…"
