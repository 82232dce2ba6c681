"""A fake clock and an OpenAI judge wired to the loopback server, for the judge runtime tests."""

from __future__ import annotations

import asyncio

import pandas as pd
from servers.openai_server import OpenAIServer, completion_body

from fi_dagster.config import JudgeConfig
from fi_dagster.evals import Executor, JudgeRequest, JudgeVerdict, RateLimiter, RetryPolicy
from fi_dagster.evals.judges.endpoint import JudgeEndpoint
from fi_dagster.evals.judges.openai_judge import OpenAIJudge

KEY = "sk-test-0123456789abcdefghij"


class FakeClock:
    """Time stands still unless a test moves it; ``sleep`` records the wait and yields."""

    def __init__(self) -> None:
        self.t = 0.0
        self.waits: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))
        await asyncio.sleep(0)


def make_judge(
    server: OpenAIServer,
    clock: FakeClock | None = None,
    *,
    timeout_s: float = 5.0,
    model: str = "judge-1",
    config: JudgeConfig | None = None,
) -> OpenAIJudge:
    """A judge on ``server`` whose executor waits on ``clock`` (so retries never sleep)."""
    config = config or JudgeConfig(requests_per_minute=None, tokens_per_minute=None)
    clock = clock or FakeClock()
    limiter = RateLimiter(config.requests_per_minute, config.tokens_per_minute, clock=clock)
    executor = Executor(
        concurrency=config.concurrency,
        retry=RetryPolicy(max_attempts=config.max_attempts),
        limiter=limiter,
        seed=1,
    )
    endpoint = JudgeEndpoint(KEY, server.url + "/v1", timeout_s)
    return OpenAIJudge(endpoint, model, executor=executor, redact_pii=config.redact_pii)


def reported_usage(server: OpenAIServer) -> tuple[int, int]:
    """Prompt and completion tokens the server reported over all its (fault-free) answers."""
    usages = [
        completion_body(r.body, server.responder(r.body))["usage"]
        for r in server.requests
        if r.body is not None
    ]
    return sum(u["prompt_tokens"] for u in usages), sum(u["completion_tokens"] for u in usages)


def priced_by_hand(results: pd.DataFrame, input_per_1m: float, output_per_1m: float) -> list[float]:
    """Each result row's judge tokens at these prices (USD per 1M tokens)."""
    prompt, completion = results["judge_prompt_tokens"], results["judge_completion_tokens"]
    return list((prompt * input_per_1m + completion * output_per_1m) / 1e6)


def grounded_request(answer: str = "Two days.", evaluator: str = "Groundedness") -> JudgeRequest:
    variables = {"question": "When?", "documents": "[1] two days", "answer": answer}
    return JudgeRequest(evaluator, "groundedness", variables)


def ask(judge: OpenAIJudge, request: JudgeRequest | None = None) -> JudgeVerdict:
    (verdict,) = judge.judge_many([request or grounded_request()])
    return verdict
