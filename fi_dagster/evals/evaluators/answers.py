"""Which spans answered in prose, and what they were given, for the answer evaluators.

HallucinationScore, FactualAccuracy, Refusal and PIIInOutput look at the text an LLM
span answered. Tool-call steps (no text) are not answers; structured (JSON) outputs are
JSONValidation's business; a failed call has no answer and SpanError reports it.
"""

from __future__ import annotations

from fi_dagster.evals.evaluators.base import Finding
from fi_dagster.evals.trace_view import Span, Trace

NOT_CAPTURED = "output content was not captured"
MAX_CONTEXT_CHARS = 12_000


def answering_spans(trace: Trace, *, structured: bool = False) -> list[Span]:
    """LLM spans that answered in text (also JSON ones with ``structured``).

    Spans whose output was not captured are included so they can be reported ``skipped``.
    """
    return [s for s in trace.of_kind("LLM") if _answered(s, structured)]


def _answered(span: Span, structured: bool) -> bool:
    if not span.captured_output():
        return span.status != "ERROR"
    if not span.answer().strip():
        return False  # a tool-calling step
    return structured or not span.is_structured()


def not_captured(span: Span) -> Finding | None:
    """A ``skipped`` finding when the span's output was not recorded, else None."""
    return None if span.captured_output() else Finding.skipped(span, NOT_CAPTURED)


def input_context(span: Span) -> str:
    """What the span was given besides the question: system prompt, earlier turns, tool results."""
    question = span.request()
    lines = [
        f"[{m.role}] {m.content}"
        for m in span.input_messages
        if m.content.strip() and m.content != question
    ]
    return clip("\n".join(lines), MAX_CONTEXT_CHARS)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "\n[truncated]"
