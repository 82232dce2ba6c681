"""FactualAccuracy: is the answer correct for the question, against a reference if any?

Runs on every LLM span that answered in prose. The judge sees the question, what the
span was given (input context and retrieved documents) and, when one exists, the golden
reference answer for that input (see ``references.py``).
"""

from __future__ import annotations

from fi_dagster.evals.evaluators.answers import answering_spans, clip, input_context, not_captured
from fi_dagster.evals.evaluators.base import Assessment, Finding, JudgeTask
from fi_dagster.evals.evaluators.groundedness import format_documents
from fi_dagster.evals.evaluators.references import ReferenceAnswers
from fi_dagster.evals.judges.base import JudgeRequest
from fi_dagster.evals.trace_view import Span, Trace

MAX_CONTEXT_CHARS = 24_000


class FactualAccuracy:
    name = "FactualAccuracy"
    version = "1"
    default_threshold = 0.5
    template = "factual_accuracy"

    def __init__(self, references: ReferenceAnswers | None = None) -> None:
        self.references = references or ReferenceAnswers()

    def assess(self, trace: Trace) -> list[Assessment]:
        documents = format_documents(trace.documents())
        return [self._assess_span(trace, span, documents) for span in answering_spans(trace)]

    def _assess_span(self, trace: Trace, span: Span, documents: str) -> Assessment:
        if skipped := not_captured(span):
            return skipped
        question = span.request() or next((r.request() for r in trace.roots() if r.request()), "")
        if not question:
            return Finding.skipped(span, "the question was not captured")
        context = "\n\n".join(part for part in (input_context(span), documents) if part)
        variables = {
            "question": question,
            "context": clip(context, MAX_CONTEXT_CHARS),
            "reference": self.references.for_span(trace, span),
            "answer": span.answer(),
        }
        return JudgeTask(span, JudgeRequest(self.name, self.template, variables, self.version))
