"""HallucinationScore: does an answer contradict or invent beyond what it was given?

Runs on every LLM span that answered in prose, against everything the span was given
(system prompt, earlier messages, tool results) and the documents its trace retrieved.
Score 1 means no hallucination.
"""

from __future__ import annotations

from fi_dagster.evals.evaluators.answers import answering_spans, input_context, not_captured
from fi_dagster.evals.evaluators.base import Assessment, Finding, JudgeTask
from fi_dagster.evals.evaluators.groundedness import format_documents
from fi_dagster.evals.judges.base import JudgeRequest
from fi_dagster.evals.trace_view import Span, Trace

NO_CONTEXT = "neither the input nor any context was captured to check the answer against"


class HallucinationScore:
    name = "HallucinationScore"
    version = "1"
    default_threshold = 0.5
    template = "hallucination"

    def assess(self, trace: Trace) -> list[Assessment]:
        documents = format_documents(trace.documents())
        return [self._assess_span(span, documents) for span in answering_spans(trace)]

    def _assess_span(self, span: Span, documents: str) -> Assessment:
        if skipped := not_captured(span):
            return skipped
        variables = {
            "question": span.request(),
            "context": input_context(span),
            "documents": documents,
            "answer": span.answer(),
        }
        if not (variables["question"] or variables["context"] or documents):
            return Finding.skipped(span, NO_CONTEXT)
        return JudgeTask(span, JudgeRequest(self.name, self.template, variables, self.version))
