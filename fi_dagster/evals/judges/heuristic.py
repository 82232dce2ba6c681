"""The offline judge: lexical heuristics, no network, no keys, no cost."""

from __future__ import annotations

from fi_dagster.evals.judges.base import JudgeRequest, JudgeVerdict
from fi_dagster.evals.judges.heuristics import METHODS


class HeuristicJudge:
    """Scores judge requests with documented lexical rules (``model_name = "heuristic-v1"``).

    - groundedness: the answer is split into sentences; a sentence is supported when at
      least 70% of its content words (lowercase alphanumeric words of length >= 4, minus
      a small stopword list) appear in the retrieved documents. Score = supported
      sentences / sentences with content words (1.0 when there are none).
    - task_completion: fraction of checks passed: no ERROR span in the trace; every tool
      call's arguments parse as JSON; the final answer is non-empty and not a refusal
      ("I'm sorry", "I can't", "unable to", "couldn't complete", ...); and, when the
      request contains an identifier or number, the final answer mentions one of them.

    Verdicts have zero token usage (hence zero cost). See ``evals/HEURISTICS.md``.
    """

    model_name = "heuristic-v1"

    def judge_many(self, requests: list[JudgeRequest]) -> list[JudgeVerdict]:
        return [self.judge(request) for request in requests]

    def judge(self, request: JudgeRequest) -> JudgeVerdict:
        method = METHODS.get(request.template)
        if method is None:
            return JudgeVerdict.failed(f"{self.model_name} has no method for {request.template!r}")
        try:
            score, reason = method(request.variables)
        except Exception as exc:  # one bad item must not stop the batch
            return JudgeVerdict.failed(f"{type(exc).__name__}: {exc}")
        return JudgeVerdict(score=score, reason=reason)
