"""Evaluator core: score sampled traces with rules and judges, without Dagster.

``evaluate_partition`` is the one entry point; ``build_judge`` picks the judge;
``JudgmentCache`` keeps paid verdicts; ``judge_totals`` sums up a partition's judging.
"""

from fi_dagster.evals.budget import BUDGET_REASON, Budget
from fi_dagster.evals.cache import CacheKey, JudgmentCache, cache_key
from fi_dagster.evals.executor import Executor, Outcome, run_blocking
from fi_dagster.evals.judges import (
    HeuristicJudge,
    Judge,
    JudgeIdentity,
    JudgeRequest,
    JudgeVerdict,
    build_judge,
    judge_from_env,
)
from fi_dagster.evals.judging import judge_requests
from fi_dagster.evals.rate_limit import RateLimiter
from fi_dagster.evals.results import RESULT_COLUMNS, EvalResult
from fi_dagster.evals.retry import GaveUp, RetryPolicy, TransientError
from fi_dagster.evals.runner import evaluate_partition
from fi_dagster.evals.totals import JudgeTotals, judge_totals

__all__ = [
    "BUDGET_REASON",
    "RESULT_COLUMNS",
    "Budget",
    "CacheKey",
    "EvalResult",
    "Executor",
    "GaveUp",
    "HeuristicJudge",
    "Judge",
    "JudgeIdentity",
    "JudgeRequest",
    "JudgeTotals",
    "JudgeVerdict",
    "JudgmentCache",
    "Outcome",
    "RateLimiter",
    "RetryPolicy",
    "TransientError",
    "build_judge",
    "cache_key",
    "evaluate_partition",
    "judge_from_env",
    "judge_requests",
    "judge_totals",
    "run_blocking",
]
