"""Chooses the judge: an LLM when a key is configured, else the offline heuristics."""

from __future__ import annotations

import os
from collections.abc import Mapping

from fi_dagster.evals.executor import Executor, RetryPolicy
from fi_dagster.evals.judges.base import Judge
from fi_dagster.evals.judges.heuristic import HeuristicJudge

DEFAULT_MODEL = "gpt-4o-mini"


def build_judge(
    *,
    api_key: str | None,
    base_url: str | None = None,
    model: str | None = None,
    timeout_s: float = 30.0,
    concurrency: int = 8,
    max_attempts: int = 4,
) -> Judge:
    """``HeuristicJudge`` without an API key, else an ``OpenAIJudge`` on ``base_url``."""
    if not api_key:
        return HeuristicJudge()
    import openai

    from fi_dagster.evals.judges.openai_judge import OpenAIJudge

    client = openai.OpenAI(
        api_key=api_key, base_url=base_url or None, timeout=timeout_s, max_retries=0
    )
    executor = Executor(concurrency=concurrency, retry=RetryPolicy(max_attempts=max_attempts))
    return OpenAIJudge(client, model or DEFAULT_MODEL, executor=executor)


def judge_from_env(environ: Mapping[str, str] | None = None) -> Judge:
    """The judge described by ``OPENAI_API_KEY``, ``FI_JUDGE_BASE_URL``, ``FI_JUDGE_MODEL``."""
    env = os.environ if environ is None else environ
    return build_judge(
        api_key=env.get("OPENAI_API_KEY"),
        base_url=env.get("FI_JUDGE_BASE_URL"),
        model=env.get("FI_JUDGE_MODEL"),
    )
