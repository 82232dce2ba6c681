"""The daily cost table: list-price cost per model × tenant × route, and judge spend."""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fi_dagster.config import PriceOverride
from fi_dagster.stats.cost import cost_daily, trace_costs
from fi_dagster.stats.prices import PRICES_CSV

DAY = "2025-06-01"


def list_price(model: str) -> tuple[float, float]:
    """(input, output) USD per 1M tokens read straight from the packaged CSV."""
    lines = [ln for ln in Path(PRICES_CSV).read_text().splitlines() if not ln.startswith("#")]
    rows = [r for r in csv.DictReader(lines) if r["model"] == model and r["effective_from"] <= DAY]
    row = max(rows, key=lambda r: r["effective_from"])
    return float(row["input_per_1m_usd"]), float(row["output_per_1m_usd"])


def span(trace, span_id, span_model, prompt, completion, kind="LLM", tenant="acme", **extra):
    return {
        "trace_id": trace,
        "span_id": span_id,
        "span_kind": kind,
        "span_model": span_model,
        "model": extra.get("model", "gpt-4o-mini"),
        "tenant": tenant,
        "route": extra.get("route", "/chat"),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
    }


SPANS = pd.DataFrame(
    [
        span("t1", "s1", "gpt-4o-mini", 1000, 200),
        span("t1", "s2", "gpt-4o-mini", 3000, 100),
        span("t1", "s3", None, None, None, kind="TOOL"),
        span("t2", "s4", "gpt-4o-mini", 500, 50),
        span("t3", "s5", None, 2000, 400, model="claude-3-5-haiku-20241022"),
        span("t4", "s6", "in-house-7b", 800, 80, tenant="globex"),
    ]
)


def row(table: pd.DataFrame, model: str, tenant: str = "acme") -> pd.Series:
    return table[(table["model"] == model) & (table["tenant"] == tenant)].iloc[0]


def test_cost_is_tokens_at_list_price_per_group():
    table = cost_daily(SPANS, None, DAY)
    mini_in, mini_out = list_price("gpt-4o-mini")
    mini = row(table, "gpt-4o-mini")
    assert (mini["n_calls"], mini["n_traces"]) == (3, 2)
    assert (mini["prompt_tokens"], mini["completion_tokens"]) == (4500, 350)
    assert mini["cost_usd"] == pytest.approx((4500 * mini_in + 350 * mini_out) / 1e6)
    per_trace = [(4000 * mini_in + 300 * mini_out) / 1e6, (500 * mini_in + 50 * mini_out) / 1e6]
    assert mini["cost_per_trace_p50"] == pytest.approx(np.percentile(per_trace, 50))
    assert mini["cost_per_trace_p95"] == pytest.approx(np.percentile(per_trace, 95))


def test_a_span_without_its_own_model_is_priced_as_the_trace_model():
    haiku_in, haiku_out = list_price("claude-3-5-haiku")
    haiku = row(cost_daily(SPANS, None, DAY), "claude-3-5-haiku-20241022")
    assert haiku["cost_usd"] == pytest.approx((2000 * haiku_in + 400 * haiku_out) / 1e6)


def test_unknown_model_cost_is_unknown_not_zero():
    table = cost_daily(SPANS, None, DAY)
    unknown = row(table, "in-house-7b", "globex")
    assert np.isnan(unknown["cost_usd"]) and not unknown["price_known"]
    assert unknown["prompt_tokens"] == 800
    assert table.loc[table["model"] != "in-house-7b", "price_known"].all()
    overridden = cost_daily(
        SPANS, None, DAY, [PriceOverride(model="in-house-7b", input_per_1m=1, output_per_1m=10)]
    )
    assert row(overridden, "in-house-7b", "globex")["cost_usd"] == pytest.approx(0.0016)


def test_trace_costs_sum_their_llm_calls():
    mini_in, mini_out = list_price("gpt-4o-mini")
    traces = trace_costs(SPANS, DAY).set_index("trace_id")
    assert set(traces.index) == {"t1", "t2", "t3", "t4"}
    assert traces.loc["t1", "n_calls"] == 2
    assert traces.loc["t1", "cost_usd"] == pytest.approx((4000 * mini_in + 300 * mini_out) / 1e6)
    assert np.isnan(traces.loc["t4", "cost_usd"]) and not traces.loc["t4", "price_known"]


def test_judge_spend_is_attributed_once_per_result():
    evals = pd.DataFrame(
        {
            "trace_id": ["t1", "t1", "t3", "t9"],
            "span_id": ["s1", "s3", "s5", None],
            "judge_cost_usd": [0.01, 0.02, 0.04, 0.08],
            "model": ["gpt-4o-mini", "gpt-4o-mini", "claude-3-5-haiku-20241022", "gpt-4.1"],
            "tenant": ["acme", "acme", "acme", "initech"],
            "route": "/chat",
        }
    )
    table = cost_daily(SPANS, evals, DAY)
    assert table["judge_cost_usd"].sum() == pytest.approx(evals["judge_cost_usd"].sum())
    assert row(table, "gpt-4o-mini")["judge_cost_usd"] == pytest.approx(0.03)
    assert row(table, "claude-3-5-haiku-20241022")["judge_cost_usd"] == pytest.approx(0.04)
    no_calls = row(table, "gpt-4.1", "initech")  # a trace without LLM calls keeps its spend
    assert (no_calls["n_calls"], no_calls["cost_usd"]) == (0, 0.0)


def test_empty_input_gives_the_columns():
    table = cost_daily(SPANS.iloc[:0], None, DAY)
    assert table.empty and {"cost_usd", "price_known", "judge_cost_usd"} <= set(table.columns)
