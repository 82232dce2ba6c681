"""A judge backed by any OpenAI-compatible chat completions endpoint."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import openai

from fi_dagster.evals.budget import BUDGET_REASON, Budget
from fi_dagster.evals.executor import Executor, Outcome, run_blocking
from fi_dagster.evals.judges.base import JudgeIdentity, JudgeRequest, JudgeVerdict, VerdictCallback
from fi_dagster.evals.judges.endpoint import JudgeEndpoint
from fi_dagster.evals.judges.prompts import PromptRenderer
from fi_dagster.evals.judges.transport import ChatReply, complete
from fi_dagster.evals.judges.verdict import VERDICT_SCHEMA, MalformedVerdict, parse_verdict
from fi_dagster.evals.pii import redact
from fi_dagster.evals.retry import GaveUp

VERDICT_ATTEMPTS = 2  # a malformed verdict is asked for once more, then it is an error
VERDICT_TOKENS = 120  # expected completion tokens of a verdict, for the rate limiter
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class _Call:
    """What one item needs: its rendered messages and the token estimate of one request."""

    messages: list[dict[str, str]]
    prompt_tokens: int


class OpenAIJudge:
    """Renders each request's template, asks the model for a JSON verdict, validates it.

    Concurrency, pacing and retries belong to the ``Executor``. With ``redact_pii``, trace
    text is masked (``evals/pii.py``) before it leaves the process. The API key is
    scrubbed from every error this judge reports.
    """

    cacheable = True

    def __init__(
        self,
        endpoint: JudgeEndpoint,
        model: str,
        *,
        executor: Executor | None = None,
        prompts: PromptRenderer | None = None,
        redact_pii: bool = True,
    ) -> None:
        self.model_name = model
        self.endpoint = endpoint
        self.executor = executor or Executor()
        self.redact_pii = redact_pii
        self._prompts = prompts or PromptRenderer()

    def __repr__(self) -> str:
        return f"OpenAIJudge(model={self.model_name!r}, base_url={self.endpoint.base_url!r})"

    def identity(self, template: str) -> JudgeIdentity:
        params = {
            "temperature": 0,
            "response_format": "json_object",
            "redact_pii": self.redact_pii,
            "verdict_schema": VERDICT_SCHEMA,
        }
        params_hash = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
        return JudgeIdentity(self.model_name, self._prompts.template_hash(template), params_hash)

    def judge_many(
        self,
        requests: list[JudgeRequest],
        *,
        budget: Budget | None = None,
        on_verdict: VerdictCallback | None = None,
    ) -> list[JudgeVerdict]:
        if not requests:
            return []
        return run_blocking(self._judge_all(requests, budget, on_verdict))

    async def _judge_all(
        self,
        requests: list[JudgeRequest],
        budget: Budget | None,
        on_verdict: VerdictCallback | None,
    ) -> list[JudgeVerdict]:
        def done(index: int, outcome: Outcome[JudgeVerdict]) -> None:
            if on_verdict is not None:
                on_verdict(index, self._verdict(outcome))

        async with self.endpoint.client() as client:
            outcomes = await self.executor.map(
                lambda request: self._judge_one(client, request, budget), requests, done
            )
        return [self._verdict(o) for o in outcomes]

    async def _judge_one(
        self, client: openai.AsyncOpenAI, request: JudgeRequest, budget: Budget | None
    ) -> JudgeVerdict:
        call = self._prepare(request)
        estimate = budget.cost(call.prompt_tokens, VERDICT_TOKENS) if budget else 0.0
        if budget is not None and not budget.admit(estimate):
            return JudgeVerdict.skipped(BUDGET_REASON)
        spent: list[ChatReply] = []
        try:
            return await self._ask(client, call, spent)
        except Exception as exc:  # gave up, or not retryable: an error row with its tokens
            message = str(exc) if isinstance(exc, GaveUp) else f"{type(exc).__name__}: {exc}"
            return JudgeVerdict.failed(self.endpoint.scrub(message), *_total(spent))
        finally:
            if budget is not None:
                budget.settle(estimate, budget.cost(*_total(spent)))

    async def _ask(
        self, client: openai.AsyncOpenAI, call: _Call, spent: list[ChatReply]
    ) -> JudgeVerdict:
        problem = ""
        for _ in range(VERDICT_ATTEMPTS):
            try:
                reply = await self.executor.call(
                    lambda: complete(client, self.model_name, call.messages),
                    tokens=call.prompt_tokens + VERDICT_TOKENS,
                    used=lambda r: r.prompt_tokens + r.completion_tokens,
                )
                spent.append(reply)
                score, reason = parse_verdict(reply.content)
            except MalformedVerdict as exc:
                problem = str(exc)
                continue
            return JudgeVerdict(score, reason, "ok", *_total(spent))
        error = f"malformed verdict after {VERDICT_ATTEMPTS} attempts: {problem}"
        return JudgeVerdict.failed(self.endpoint.scrub(error), *_total(spent))

    def _prepare(self, request: JudgeRequest) -> _Call:
        variables = request.variables
        if self.redact_pii:
            variables = {key: redact(value) for key, value in variables.items()}
        messages = self._prompts.messages(request.template, variables)
        chars = sum(len(m["content"]) for m in messages)
        return _Call(messages, chars // CHARS_PER_TOKEN + 1)

    def _verdict(self, outcome: Outcome[JudgeVerdict]) -> JudgeVerdict:
        if outcome.value is not None:
            return outcome.value
        return JudgeVerdict.failed(self.endpoint.scrub(outcome.error or "unknown failure"))


def _total(spent: list[ChatReply]) -> tuple[int, int]:
    return sum(r.prompt_tokens for r in spent), sum(r.completion_tokens for r in spent)
