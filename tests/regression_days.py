"""Synthetic days for regression tests: quality tables from simulated evals and step tables
from simulated traces (an agent span around three sequential steps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from fi_dagster.stats.day_tables import DayTables
from fi_dagster.stats.quality import quality_daily
from fi_dagster.stats.step_daily import step_daily

TENANTS = ("acme", "northwind", "globex")
MODELS = ("gpt-4o-mini", "gpt-4o")
EVALUATORS = ("Groundedness", "JSONValidation")
STEPS = {"retrieve": 80.0, "search": 200.0, "chat": 900.0}  # median ms of each step
PROMPT_TOKENS = 600


def days(n: int, start: date = date(2025, 3, 1)) -> list[str]:
    return [(start + timedelta(days=i)).isoformat() for i in range(n)]


@dataclass
class Change:
    """What is different on a day: keys are (what, tenant or None for every tenant)."""

    pass_rates: dict = field(default_factory=dict)  # (evaluator, tenant) -> pass probability
    scores: dict = field(default_factory=dict)  # (evaluator, tenant) -> score shift
    error_rates: dict = field(default_factory=dict)  # (evaluator, tenant) -> error probability
    slow: dict = field(default_factory=dict)  # (step, tenant) -> latency factor
    tokens: dict = field(default_factory=dict)  # (step, tenant) -> prompt token factor
    model_only: str | None = None  # restrict pass-rate changes to this model


def _lookup(table: dict, key: str, tenant: str, default: float) -> float:
    return table.get((key, tenant), table.get((key, None), default))


def quality_day(day: str, rng, per_cohort: int = 150, change: Change | None = None):
    """A day's fi_quality_daily from simulated eval results (scores 0..1, threshold 0.5)."""
    change = change or Change()
    grid = pd.MultiIndex.from_product([TENANTS, MODELS, EVALUATORS]).to_frame(index=False)
    grid.columns = ["tenant", "model", "evaluator"]
    evals = grid.loc[grid.index.repeat(per_cohort)].reset_index(drop=True)
    rows = list(zip(evals["evaluator"], evals["tenant"], evals["model"], strict=True))
    hit = [change.model_only in (None, m) for _, _, m in rows]
    p = [
        _lookup(change.pass_rates, e, t, 0.9) if h else 0.9
        for (e, t, _), h in zip(rows, hit, strict=True)
    ]
    shift = [_lookup(change.scores, e, t, 0.0) for e, t, _ in rows]
    err = [_lookup(change.error_rates, e, t, 0.01) for e, t, _ in rows]
    passed = rng.random(len(evals)) < np.asarray(p)
    base = np.where(passed, rng.uniform(0.75, 1.0, len(evals)), rng.uniform(0.0, 0.45, len(evals)))
    score = np.clip(base - np.asarray(shift), 0, 1)
    error = rng.random(len(evals)) < np.asarray(err)
    evals = evals.assign(
        status=np.where(error, "error", "ok"),
        passed=np.where(error, None, score >= 0.5),
        score=np.where(error, np.nan, score),
        sample_weight=1.0,
        prompt_version="v3",
        route="/support",
    )
    return quality_daily(evals).assign(partition_date=day)


def spans_day(day: str, rng, traces: int = 600, change: Change | None = None) -> pd.DataFrame:
    """A day's canonical spans: per trace an `agent` span around retrieve → search → chat."""
    change = change or Change()
    tenant = rng.choice(TENANTS, traces)
    model = rng.choice(MODELS, traces)
    start = pd.Timestamp(day, tz="UTC") + pd.to_timedelta(rng.uniform(0, 86_000, traces), "s")
    frames, offset = [], np.zeros(traces)
    for name, median in STEPS.items():
        factor = np.array([_lookup(change.slow, name, t, 1.0) for t in tenant])
        ms = rng.lognormal(np.log(median), 0.4, traces) * factor
        tokens_factor = np.array([_lookup(change.tokens, name, t, 1.0) for t in tenant])
        frames.append(_spans(name, start, offset, ms, tenant, model, tokens_factor, rng))
        offset = offset + ms
    agent_ms = offset + rng.exponential(20, traces)
    root = _spans("agent", start, np.zeros(traces), agent_ms, tenant, model, None, rng)
    spans = pd.concat([root, *frames], ignore_index=True)
    spans["parent_span_id"] = np.where(
        spans["name"] == "agent", None, spans["trace_id"].str.replace("t", "s-agent-")
    )
    return spans.assign(partition_date=day)


def _spans(name, start, offset, ms, tenant, model, tokens_factor, rng) -> pd.DataFrame:
    n = len(ms)
    ids = [f"t{i:06d}" for i in range(n)]
    llm = name == "chat"
    begin = start + pd.to_timedelta(offset, "ms")
    return pd.DataFrame(
        {
            "trace_id": ids,
            "span_id": [f"s-{name}-{i:06d}" for i in range(n)],
            "name": name,
            "span_kind": "LLM" if llm else ("AGENT" if name == "agent" else "TOOL"),
            "start_time": begin,
            "end_time": begin + pd.to_timedelta(ms, "ms"),
            "latency_ms": ms,
            "status": "OK",
            "prompt_tokens": (rng.normal(PROMPT_TOKENS, 60, n) * tokens_factor).round()
            if llm
            else np.nan,
            "completion_tokens": rng.normal(150, 20, n).round() if llm else np.nan,
            "span_model": model if llm else None,
            "model": model,
            "tenant": tenant,
            "prompt_version": "v3",
            "route": "/support",
        }
    )


def steps_day(day: str, rng, traces: int = 600, change: Change | None = None) -> pd.DataFrame:
    return step_daily(spans_day(day, rng, traces, change), day).assign(partition_date=day)


def day_tables(quality: list[pd.DataFrame], steps: list[pd.DataFrame]) -> DayTables:
    """The last day against all earlier ones."""
    return DayTables(quality[-1], pd.concat(quality[:-1]), steps[-1], pd.concat(steps[:-1]))
