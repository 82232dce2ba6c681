"""Chooses the judge: an LLM when a key is configured, else the offline heuristics."""

from __future__ import annotations

import os
from collections.abc import Mapping

from fi_dagster.config import JudgeConfig
from fi_dagster.evals.executor import Executor
from fi_dagster.evals.judges.base import Judge
from fi_dagster.evals.judges.heuristic import HeuristicJudge
from fi_dagster.evals.rate_limit import RateLimiter
from fi_dagster.evals.retry import RetryPolicy

DEFAULT_MODEL = "gpt-4o-mini"


def build_judge(
    *,
    api_key: str | None,
    base_url: str | None = None,
    model: str | None = None,
    config: JudgeConfig | None = None,
) -> Judge:
    """``HeuristicJudge`` without an API key, else an ``OpenAIJudge`` on ``base_url``."""
    if not api_key:
        return HeuristicJudge()
    from fi_dagster.evals.judges.endpoint import JudgeEndpoint
    from fi_dagster.evals.judges.openai_judge import OpenAIJudge

    config = config or JudgeConfig()
    limiter = RateLimiter(config.requests_per_minute, config.tokens_per_minute)
    executor = Executor(
        concurrency=config.concurrency,
        retry=RetryPolicy(max_attempts=config.max_attempts),
        limiter=limiter,
    )
    endpoint = JudgeEndpoint(api_key, base_url or None, config.timeout_s)
    return OpenAIJudge(
        endpoint, model or DEFAULT_MODEL, executor=executor, redact_pii=config.redact_pii
    )


def judge_from_env(
    environ: Mapping[str, str] | None = None, config: JudgeConfig | None = None
) -> Judge:
    """The judge described by ``OPENAI_API_KEY``, ``FI_JUDGE_BASE_URL``, ``FI_JUDGE_MODEL``."""
    env = os.environ if environ is None else environ
    return build_judge(
        api_key=env.get("OPENAI_API_KEY"),
        base_url=env.get("FI_JUDGE_BASE_URL"),
        model=env.get("FI_JUDGE_MODEL"),
        config=config,
    )
