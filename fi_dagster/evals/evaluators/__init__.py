"""Evaluators: how each span of a trace is scored (they never call a judge themselves)."""

from __future__ import annotations

from fi_dagster.config import EvaluationConfig
from fi_dagster.evals.evaluators.base import Assessment, Evaluator, Finding, JudgeTask, JudgeUsage
from fi_dagster.evals.evaluators.empty_output import EmptyOutput
from fi_dagster.evals.evaluators.factual_accuracy import FactualAccuracy
from fi_dagster.evals.evaluators.groundedness import Groundedness
from fi_dagster.evals.evaluators.hallucination import HallucinationScore
from fi_dagster.evals.evaluators.json_validation import JSONValidation
from fi_dagster.evals.evaluators.latency_slo import LatencySLO
from fi_dagster.evals.evaluators.pii_output import PIIInOutput
from fi_dagster.evals.evaluators.references import ReferenceAnswers
from fi_dagster.evals.evaluators.refusal import Refusal
from fi_dagster.evals.evaluators.span_error import SpanError
from fi_dagster.evals.evaluators.task_completion import TaskCompletion

# Checks for rare events, run only when the YAML names them (``PIIInOutput: {}``): on
# healthy traffic they pass ~100% of the time, so by default they would mostly add rows
# and comparisons without signal.
OPT_IN = frozenset({"EmptyOutput", "PIIInOutput"})


def all_evaluators(config: EvaluationConfig) -> list[Evaluator]:
    """Every built-in evaluator, configured; the runner drops the disabled ones."""
    references = ReferenceAnswers.load(config.references_path) if config.references_path else None
    return [
        JSONValidation(config.json_schemas),
        Groundedness(),
        HallucinationScore(),
        FactualAccuracy(references),
        TaskCompletion(),
        SpanError(),
        EmptyOutput(),
        Refusal(),
        PIIInOutput(),
        LatencySLO(config.latency_slo_ms, config.latency_slo_ms_by_route),
    ]


__all__ = [
    "OPT_IN",
    "Assessment",
    "EmptyOutput",
    "Evaluator",
    "FactualAccuracy",
    "Finding",
    "Groundedness",
    "HallucinationScore",
    "JSONValidation",
    "JudgeTask",
    "JudgeUsage",
    "LatencySLO",
    "PIIInOutput",
    "ReferenceAnswers",
    "Refusal",
    "SpanError",
    "TaskCompletion",
    "all_evaluators",
]
