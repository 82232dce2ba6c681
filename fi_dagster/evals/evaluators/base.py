"""What an evaluator is: given one trace, say how each span it cares about is scored.

An evaluator either decides a score itself (a ``Finding``) or describes the question a
judge must answer (a ``JudgeTask``). It never calls the judge, retries or waits: the
runner batches every ``JudgeTask`` of the partition and hands them to the judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from fi_dagster.evals.judges.base import JudgeRequest
from fi_dagster.evals.trace_view import Span, Trace

Status = Literal["ok", "error", "skipped"]


@dataclass(frozen=True)
class JudgeUsage:
    """What a judge spent on one verdict."""

    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    cached: bool = False


@dataclass(frozen=True)
class Finding:
    """A decided score for one span (``score`` is None unless status is ok)."""

    span: Span
    score: float | None
    reason: str
    status: Status = "ok"
    judge: JudgeUsage | None = None

    @classmethod
    def skipped(cls, span: Span, reason: str) -> Finding:
        return cls(span, None, reason, "skipped")

    @classmethod
    def error(cls, span: Span, reason: str) -> Finding:
        return cls(span, None, reason, "error")


@dataclass(frozen=True)
class JudgeTask:
    """A span whose score a judge decides."""

    span: Span
    request: JudgeRequest


Assessment = Finding | JudgeTask


class Evaluator(Protocol):
    """``version`` changes whenever what it sends to a judge changes (cache key part)."""

    name: str
    version: str
    default_threshold: float

    def assess(self, trace: Trace) -> list[Assessment]:
        """Findings or judge tasks for the spans of ``trace`` this evaluator applies to.

        Spans the evaluator does not apply to produce nothing; spans it applies to but
        that lack what it needs (content not captured, no question) are ``skipped``
        with the reason.
        """
        ...
