"""Golden reference answers for FactualAccuracy.

A reference comes from the span itself (attribute ``reference.answer``, or
``reference_answer`` inside the ``metadata`` JSON attribute), else from the trace's root
span, else from the configured references file (``evaluation.references_path``): JSON
Lines of ``{"input": "<question>", "answer": "<reference answer>"}``, looked up by the
question text normalized (case, whitespace and trailing punctuation ignored).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from fi_dagster.evals import span_fields as fields
from fi_dagster.evals.trace_view import Span, Trace

SPAN_ATTRIBUTE = "reference.answer"
METADATA_KEY = "reference_answer"


def normalize_input(text: str) -> str:
    """The lookup form of a question: lower case, single spaces, no trailing punctuation."""
    return re.sub(r"\s+", " ", text).strip().rstrip("?!.。 ").casefold()


class ReferenceAnswers:
    """Reference answers by normalized input text."""

    def __init__(self, answers: Mapping[str, str] | None = None) -> None:
        self._answers = {normalize_input(k): v for k, v in (answers or {}).items()}

    def __len__(self) -> int:
        return len(self._answers)

    @classmethod
    def load(cls, path: str | Path) -> ReferenceAnswers:
        """Read a JSON Lines file; a bad line fails with the file, line and problem."""
        answers: dict[str, str] = {}
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                answers[str(record["input"])] = str(record["answer"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(
                    f'{path}:{number}: expected {{"input": ..., "answer": ...}}: {exc}'
                ) from exc
        return cls(answers)

    def lookup(self, question: str) -> str | None:
        return self._answers.get(normalize_input(question)) if question.strip() else None

    def for_span(self, trace: Trace, span: Span) -> str:
        """The reference for what ``span`` was asked, or "" when there is none."""
        roots = trace.roots()
        for candidate in (span, *roots):
            if found := _attribute_reference(candidate):
                return found
        for candidate in (span, *roots):
            if found := self.lookup(candidate.request()):
                return found
        return ""


def _attribute_reference(span: Span) -> str:
    direct = fields.text(span.attributes.get(SPAN_ATTRIBUTE))
    if direct:
        return direct
    metadata = fields.json_dict(span.attributes.get("metadata")) or {}
    return fields.text(metadata.get(METADATA_KEY))
