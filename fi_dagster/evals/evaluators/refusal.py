"""Refusal: did the model decline or apologise instead of answering?

Looks for first-person refusal phrases ("I'm sorry", "I can't", "as an AI", ...; see
``judges/lexical.py``) in every LLM span's prose answer.
"""

from __future__ import annotations

from fi_dagster.evals.evaluators.answers import answering_spans, not_captured
from fi_dagster.evals.evaluators.base import Assessment, Finding
from fi_dagster.evals.judges.lexical import refusal_phrase
from fi_dagster.evals.trace_view import Span, Trace


class Refusal:
    name = "Refusal"
    version = "1"
    default_threshold = 0.5

    def assess(self, trace: Trace) -> list[Assessment]:
        return [_finding(span) for span in answering_spans(trace)]


def _finding(span: Span) -> Finding:
    if skipped := not_captured(span):
        return skipped
    phrase = refusal_phrase(span.answer())
    if phrase is None:
        return Finding(span, 1.0, "no refusal")
    return Finding(span, 0.0, f"refused or apologised ({phrase!r})")
