"""Evaluates one partition: every enabled evaluator over every sampled trace.

Deterministic findings are decided in-process; every judge task of the partition goes
to the judge in one batch (through the judgment cache and under the partition's budget),
so the judge's executor sees the whole night's work.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from fi_dagster.config import EvaluationConfig, PriceOverride
from fi_dagster.evals.budget import Budget
from fi_dagster.evals.cache import JudgmentCache
from fi_dagster.evals.cost import judge_cost_usd
from fi_dagster.evals.evaluators import (
    OPT_IN,
    Evaluator,
    Finding,
    JudgeTask,
    JudgeUsage,
    all_evaluators,
)
from fi_dagster.evals.judges.base import Judge, JudgeVerdict
from fi_dagster.evals.judging import judge_requests
from fi_dagster.evals.results import EvalResult, results_frame
from fi_dagster.evals.trace_view import Trace, sampled_traces

log = logging.getLogger(__name__)

Scored = tuple[Trace, Evaluator, Finding]
Pending = tuple[Trace, Evaluator, JudgeTask]


def evaluate_partition(
    spans: pd.DataFrame,
    sample: pd.DataFrame,
    judge: Judge,
    config: EvaluationConfig,
    partition_date: str,
    *,
    cache: JudgmentCache | None = None,
    price_overrides: Sequence[PriceOverride] = (),
) -> pd.DataFrame:
    """One row per (trace_id, span_id, evaluator) for the sampled traces (``fi_eval_results``).

    With a ``cache``, verdicts judged before (any partition) are reused, not paid again.
    Judge calls, and the spend cap, are priced with the shipped price table and the
    deployment's ``price_overrides`` (``prices:`` in fi_dagster.yaml).
    """
    evaluators = _enabled(config)
    scored: list[Scored] = []
    pending: list[Pending] = []
    for trace in sampled_traces(spans, sample):
        for evaluator in evaluators:
            routes = config.evaluator(evaluator.name).routes
            if routes is not None and trace.cohort.route not in routes:
                continue
            for item in _assess(evaluator, trace):
                if isinstance(item, JudgeTask):
                    pending.append((trace, evaluator, item))
                else:
                    scored.append((trace, evaluator, item))
    pricing = _Pricing(judge.model_name, partition_date, tuple(price_overrides))
    scored += _judge(judge, pending, pricing, cache, _budget(config, judge, pricing))
    results = [_result(partition_date, t, e, f, _threshold(config, e)) for t, e, f in scored]
    log.info("evaluated %s: %s", partition_date, dict(Counter(r.status for r in results)))
    return results_frame(results)


def _enabled(config: EvaluationConfig) -> list[Evaluator]:
    known = all_evaluators(config)
    unknown = sorted(set(config.evaluators) - {e.name for e in known})
    if unknown:
        log.warning("ignoring unknown evaluators in the configuration: %s", unknown)
    return [e for e in known if _is_enabled(config, e.name)]


def _is_enabled(config: EvaluationConfig, name: str) -> bool:
    """As configured; an evaluator the YAML does not mention runs unless it is opt-in."""
    configured = config.evaluators.get(name)
    return configured.enabled if configured is not None else name not in OPT_IN


def _assess(evaluator: Evaluator, trace: Trace) -> list[Finding | JudgeTask]:
    """The evaluator's assessments; a crash becomes an error row instead of a failed night."""
    try:
        return evaluator.assess(trace)
    except Exception as exc:
        log.exception("%s failed on trace %s", evaluator.name, trace.trace_id)
        return [Finding.error(trace.roots()[0], f"evaluator failed: {type(exc).__name__}: {exc}")]


@dataclass(frozen=True)
class _Pricing:
    """How the partition's judge calls are priced: its model, on its date, with overrides."""

    model: str
    on_date: str
    overrides: tuple[PriceOverride, ...]


def _budget(config: EvaluationConfig, judge: Judge, pricing: _Pricing) -> Budget:
    if not judge.cacheable:
        return Budget()  # the heuristic judge is free: nothing to cap
    caps = config.judge
    return Budget.for_judge(
        caps.max_calls_per_partition,
        caps.max_spend_usd_per_partition,
        pricing.model,
        pricing.on_date,
        pricing.overrides,
    )


def _judge(
    judge: Judge,
    pending: list[Pending],
    pricing: _Pricing,
    cache: JudgmentCache | None,
    budget: Budget,
) -> list[Scored]:
    if not pending:
        return []
    requests = [task.request for _, _, task in pending]
    verdicts = judge_requests(
        judge,
        requests,
        partition_date=pricing.on_date,
        cache=cache,
        budget=budget,
        price_overrides=pricing.overrides,
    )
    if budget.exhausted:
        log.warning("%s: %s", pricing.on_date, budget.describe())
    if len(verdicts) != len(pending):
        raise RuntimeError(f"judge returned {len(verdicts)} verdicts for {len(pending)} requests")
    return [
        (trace, evaluator, _finding(task, verdict, pricing))
        for (trace, evaluator, task), verdict in zip(pending, verdicts, strict=True)
    ]


def _finding(task: JudgeTask, verdict: JudgeVerdict, pricing: _Pricing) -> Finding:
    """A verdict as a finding, priced at the partition date so re-runs reproduce costs."""
    tokens = (verdict.prompt_tokens, verdict.completion_tokens)
    cost = judge_cost_usd(pricing.model, *tokens, pricing.on_date, pricing.overrides)
    usage = JudgeUsage(pricing.model, *tokens, cost, verdict.cached)
    if verdict.status == "ok" and verdict.score is not None:
        return Finding(task.span, verdict.score, verdict.reason, "ok", usage)
    if verdict.status == "skipped":
        return Finding(task.span, None, verdict.reason, "skipped", usage)
    return Finding(task.span, None, verdict.error or "judge returned no score", "error", usage)


def _threshold(config: EvaluationConfig, evaluator: Evaluator) -> float:
    """The configured threshold if the user set one, else the evaluator's own default."""
    configured = config.evaluators.get(evaluator.name)
    if configured is not None and "threshold" in configured.model_fields_set:
        return configured.threshold
    return evaluator.default_threshold


def _result(
    partition_date: str, trace: Trace, evaluator: Evaluator, finding: Finding, threshold: float
) -> EvalResult:
    span, usage, score = finding.span, finding.judge, finding.score
    ok = finding.status == "ok" and score is not None
    return EvalResult(
        partition_date=partition_date,
        trace_id=trace.trace_id,
        span_id=span.span_id,
        span_name=span.name,
        span_kind=span.span_kind,
        evaluator=evaluator.name,
        score=score if ok else None,
        passed=(score >= threshold) if ok else None,
        status=finding.status,
        reason=finding.reason,
        judge_model=usage.model if usage else None,
        judge_prompt_tokens=usage.prompt_tokens if usage else None,
        judge_completion_tokens=usage.completion_tokens if usage else None,
        judge_cost_usd=usage.cost_usd if usage else None,
        cached=usage.cached if usage else False,
        sample_weight=trace.sample_weight,
        model=trace.cohort.model,
        prompt_version=trace.cohort.prompt_version,
        route=trace.cohort.route,
        tenant=trace.cohort.tenant,
    )
