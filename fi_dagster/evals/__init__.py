"""Evaluator core: score sampled traces with rules and judges, without Dagster.

``evaluate_partition`` is the one entry point; ``build_judge`` picks the judge.
"""

from fi_dagster.evals.executor import Executor, RetryPolicy, TransientError
from fi_dagster.evals.judges import (
    HeuristicJudge,
    Judge,
    JudgeRequest,
    JudgeVerdict,
    build_judge,
    judge_from_env,
)
from fi_dagster.evals.results import RESULT_COLUMNS, EvalResult
from fi_dagster.evals.runner import evaluate_partition

__all__ = [
    "RESULT_COLUMNS",
    "EvalResult",
    "Executor",
    "HeuristicJudge",
    "Judge",
    "JudgeRequest",
    "JudgeVerdict",
    "RetryPolicy",
    "TransientError",
    "build_judge",
    "evaluate_partition",
    "judge_from_env",
]
