"""The offline judge: lexical heuristics, no network, no keys, no cost."""

from __future__ import annotations

import hashlib
import inspect

from fi_dagster.evals.budget import Budget
from fi_dagster.evals.judges.base import JudgeIdentity, JudgeRequest, JudgeVerdict, VerdictCallback
from fi_dagster.evals.judges.heuristics import METHODS


class HeuristicJudge:
    """Scores judge requests with documented lexical rules (``model_name = "heuristic-v1"``).

    One method per prompt template (``judges/heuristics.py``, ``judges/claim_heuristics.py``),
    reading the same variables the LLM gets; ``evals/HEURISTICS.md`` documents each rule.
    Verdicts have zero token usage (hence zero cost), ignore budgets (they cost nothing)
    and are not cached (recomputing them is cheaper than looking them up).
    """

    model_name = "heuristic-v1"
    cacheable = False

    def identity(self, template: str) -> JudgeIdentity:
        method = METHODS.get(template)
        source = inspect.getsource(method) if method else ""
        digest = hashlib.sha256(source.encode()).hexdigest()
        return JudgeIdentity(self.model_name, digest, "lexical")

    def judge_many(
        self,
        requests: list[JudgeRequest],
        *,
        budget: Budget | None = None,
        on_verdict: VerdictCallback | None = None,
    ) -> list[JudgeVerdict]:
        verdicts = []
        for index, request in enumerate(requests):
            verdicts.append(self.judge(request))
            if on_verdict is not None:
                on_verdict(index, verdicts[-1])
        return verdicts

    def judge(self, request: JudgeRequest) -> JudgeVerdict:
        method = METHODS.get(request.template)
        if method is None:
            return JudgeVerdict.failed(f"{self.model_name} has no method for {request.template!r}")
        try:
            score, reason = method(request.variables)
        except Exception as exc:  # one bad item must not stop the batch
            return JudgeVerdict.failed(f"{type(exc).__name__}: {exc}")
        return JudgeVerdict.skipped(reason) if score is None else JudgeVerdict(score, reason)
