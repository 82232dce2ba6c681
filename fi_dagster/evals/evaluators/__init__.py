"""Evaluators: how each span of a trace is scored (they never call a judge themselves)."""

from __future__ import annotations

from fi_dagster.config import EvaluationConfig
from fi_dagster.evals.evaluators.base import Assessment, Evaluator, Finding, JudgeTask, JudgeUsage
from fi_dagster.evals.evaluators.groundedness import Groundedness
from fi_dagster.evals.evaluators.json_validation import JSONValidation
from fi_dagster.evals.evaluators.span_error import SpanError
from fi_dagster.evals.evaluators.task_completion import TaskCompletion


def all_evaluators(config: EvaluationConfig) -> list[Evaluator]:
    """Every built-in evaluator, configured; the runner drops the disabled ones."""
    return [JSONValidation(config.json_schemas), Groundedness(), TaskCompletion(), SpanError()]


__all__ = [
    "Assessment",
    "Evaluator",
    "Finding",
    "Groundedness",
    "JSONValidation",
    "JudgeTask",
    "JudgeUsage",
    "SpanError",
    "TaskCompletion",
    "all_evaluators",
]
