"""Groundedness: are an answer's claims supported by the documents its trace retrieved?"""

from __future__ import annotations

from fi_dagster.evals.evaluators.base import Assessment, Finding, JudgeTask
from fi_dagster.evals.judges.base import JudgeRequest
from fi_dagster.evals.trace_view import Document, Span, Trace

MAX_DOCUMENT_CHARS = 24_000


class Groundedness:
    name = "Groundedness"
    version = "1"
    default_threshold = 0.5
    template = "groundedness"

    def assess(self, trace: Trace) -> list[Assessment]:
        retrievers = trace.of_kind("RETRIEVER")
        if not retrievers:
            return []
        documents = format_documents(trace.documents())
        assessed = (self._assess_span(s, documents) for s in _answering_spans(trace, retrievers))
        return [a for a in assessed if a is not None]

    def _assess_span(self, span: Span, documents: str) -> Assessment | None:
        if not span.captured_output():
            if span.status == "ERROR":
                return None  # a failed call has no answer to judge; SpanError reports it
            return Finding.skipped(span, "output content was not captured")
        if not span.answer():
            return None  # a tool-calling step, not an answer
        if not documents:
            return Finding.skipped(span, "retriever spans captured no documents")
        return JudgeTask(span, self._request(span, documents))

    def _request(self, span: Span, documents: str) -> JudgeRequest:
        variables = {"question": span.request(), "documents": documents, "answer": span.answer()}
        return JudgeRequest(self.name, self.template, variables, self.version)


def format_documents(documents: list[Document], limit: int = MAX_DOCUMENT_CHARS) -> str:
    """Numbered documents, cut at ``limit`` characters so prompts stay bounded."""
    text = "\n\n".join(f"[{i}] {d.content}" for i, d in enumerate(documents, start=1))
    return text if len(text) <= limit else text[:limit] + "\n[documents truncated]"


def _answering_spans(trace: Trace, retrievers: list[Span]) -> list[Span]:
    """LLM spans that could have used the documents: those not started before retrieval."""
    starts = [s.start_time for s in retrievers if s.start_time is not None]
    first = min(starts) if starts else None
    return [
        s
        for s in trace.of_kind("LLM")
        if first is None or s.start_time is None or s.start_time >= first
    ]
