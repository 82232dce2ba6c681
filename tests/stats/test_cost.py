"""The daily cost table: list-price cost per model × tenant × route, roll-ups, judge spend."""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fi_dagster.config import PriceOverride
from fi_dagster.stats.cost import cost_daily, span_costs, trace_costs
from fi_dagster.stats.prices import PRICES_CSV
from fi_dagster.stats.quality import ALL

DAY = "2025-06-01"


def list_price(model: str) -> dict[str, float]:
    """USD per 1M tokens read straight from the packaged CSV (empty rates fall back)."""
    lines = [ln for ln in Path(PRICES_CSV).read_text().splitlines() if not ln.startswith("#")]
    rows = [r for r in csv.DictReader(lines) if r["model"] == model and r["effective_from"] <= DAY]
    row = max(rows, key=lambda r: r["effective_from"])
    rates = {k: float(row[f"{k}_per_1m_usd"]) for k in ("input", "output")}
    rates["cached"] = float(row["cached_input_per_1m_usd"] or rates["input"])
    rates["reasoning"] = float(row["reasoning_per_1m_usd"] or rates["output"])
    return rates


def by_hand(model: str, prompt, completion, cached=0, reasoning=0) -> float:
    r = list_price(model)
    return (
        (prompt - cached) * r["input"]
        + cached * r["cached"]
        + (completion - reasoning) * r["output"]
        + reasoning * r["reasoning"]
    ) / 1e6


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
        "cached_prompt_tokens": extra.get("cached"),
        "reasoning_tokens": extra.get("reasoning"),
    }


SPANS = pd.DataFrame(
    [
        span("t1", "s1", "gpt-4o-mini", 1000, 200, cached=600),
        span("t1", "s2", "gpt-4o-mini", 3000, 100),
        span("t1", "s3", None, None, None, kind="TOOL"),
        span("t2", "s4", "gpt-4o-mini", 500, 50),
        span("t3", "s5", None, 2000, 400, model="claude-3-5-haiku-20241022"),
        span("t4", "s6", "in-house-7b", 800, 80, tenant="globex"),
        span("t5", "s7", "o3-mini-2025-01-31", 1200, 900, cached=200, reasoning=700),
        span("t5", "s8", "gpt-4o-mini", 300, 30),
    ]
)


def row(table: pd.DataFrame, model: str, tenant: str = "acme", route: str = "/chat"):
    found = table[(table["model"] == model) & (table["tenant"] == tenant)]
    return found[found["route"] == route].iloc[0]


def test_cost_is_tokens_at_list_price_per_group():
    mini = row(cost_daily(SPANS, None, DAY), "gpt-4o-mini")
    assert (mini["n_calls"], mini["n_traces"]) == (4, 3)
    assert (mini["prompt_tokens"], mini["completion_tokens"]) == (4800, 380)
    assert mini["cached_prompt_tokens"] == 600
    t1 = by_hand("gpt-4o-mini", 1000, 200, cached=600) + by_hand("gpt-4o-mini", 3000, 100)
    t2, t5 = by_hand("gpt-4o-mini", 500, 50), by_hand("gpt-4o-mini", 300, 30)
    assert mini["cost_usd"] == pytest.approx(t1 + t2 + t5)
    assert mini["cost_per_trace_p50"] == pytest.approx(np.percentile([t1, t2, t5], 50))
    assert mini["cost_per_trace_p95"] == pytest.approx(np.percentile([t1, t2, t5], 95))


def test_cached_and_reasoning_tokens_are_priced_at_their_own_rates():
    costs = span_costs(SPANS, DAY).set_index("span_id")
    o3 = list_price("o3-mini")
    expected = (1000 * o3["input"] + 200 * o3["cached"] + 900 * o3["output"]) / 1e6
    assert costs.loc["s7", "cost_usd"] == pytest.approx(expected)  # reasoning billed as output
    assert costs.loc["s1", "cost_usd"] < by_hand("gpt-4o-mini", 1000, 200)  # cache discount
    bare = span_costs(SPANS.drop(columns=["cached_prompt_tokens", "reasoning_tokens"]), DAY)
    assert bare.set_index("span_id").loc["s1", "cost_usd"] == pytest.approx(
        by_hand("gpt-4o-mini", 1000, 200)  # partitions without the columns: full input price
    )


def test_an_override_prices_cached_and_reasoning_tokens_from_its_date():
    override = PriceOverride(
        model="o3-mini",
        input_per_1m=1.0,
        output_per_1m=2.0,
        cached_input_per_1m=0.1,
        reasoning_per_1m=4.0,
        effective_from="2025-05-01",
    )
    after = span_costs(SPANS, DAY, [override]).set_index("span_id").loc["s7", "cost_usd"]
    assert after == pytest.approx((1000 * 1.0 + 200 * 0.1 + 200 * 2.0 + 700 * 4.0) / 1e6)
    before = span_costs(SPANS, "2025-04-01", [override]).set_index("span_id").loc["s7"]
    assert before["cost_usd"] == pytest.approx(
        by_hand("o3-mini", 1200, 900, cached=200, reasoning=700)
    )


def test_a_span_without_its_own_model_is_priced_as_the_trace_model():
    haiku = row(cost_daily(SPANS, None, DAY), "claude-3-5-haiku-20241022")
    assert haiku["cost_usd"] == pytest.approx(by_hand("claude-3-5-haiku", 2000, 400))


def test_unknown_model_cost_is_unknown_not_zero():
    table = cost_daily(SPANS, None, DAY)
    unknown = row(table, "in-house-7b", "globex")
    assert np.isnan(unknown["cost_usd"]) and not unknown["price_known"]
    assert unknown["prompt_tokens"] == 800
    day = row(table, ALL, ALL, ALL)
    assert not day["price_known"]  # the day includes an unpriced call...
    priced = table[(table[["tenant", "route"]] != ALL).all(axis=1) & (table["model"] != ALL)]
    assert day["cost_usd"] == pytest.approx(priced["cost_usd"].sum())  # ...its priced part
    overridden = cost_daily(
        SPANS, None, DAY, [PriceOverride(model="in-house-7b", input_per_1m=1, output_per_1m=10)]
    )
    assert row(overridden, "in-house-7b", "globex")["cost_usd"] == pytest.approx(0.0016)
    assert row(overridden, ALL, ALL, ALL)["price_known"]


def test_rollups_count_each_trace_once_and_take_percentiles_over_whole_traces():
    table = cost_daily(SPANS, None, DAY)
    acme = row(table, ALL, "acme", ALL)
    assert (acme["n_calls"], acme["n_traces"]) == (6, 4)  # t5 called two models
    per_trace = trace_costs(SPANS, DAY).set_index("trace_id")["cost_usd"]
    acme_traces = per_trace[["t1", "t2", "t3", "t5"]].to_numpy()
    assert acme["cost_per_trace_p50"] == pytest.approx(np.percentile(acme_traces, 50))
    assert acme["cost_per_trace_p95"] == pytest.approx(np.percentile(acme_traces, 95))
    day = row(table, ALL, ALL, ALL)
    assert (day["n_calls"], day["n_traces"]) == (7, 5)
    assert day["cost_per_trace_p95"] == pytest.approx(np.percentile(acme_traces, 95))  # t4 unpriced
    full = table[(table[["model", "tenant", "route"]] != ALL).all(axis=1)]
    assert day["prompt_tokens"] == full["prompt_tokens"].sum() == SPANS["prompt_tokens"].sum()
    assert len(table.drop_duplicates(["model", "tenant", "route"])) == len(table)


def test_trace_costs_sum_their_llm_calls():
    traces = trace_costs(SPANS, DAY).set_index("trace_id")
    assert set(traces.index) == {"t1", "t2", "t3", "t4", "t5"}
    assert traces.loc["t1", "n_calls"] == 2
    assert traces.loc["t1", "cost_usd"] == pytest.approx(
        by_hand("gpt-4o-mini", 1000, 200, cached=600) + by_hand("gpt-4o-mini", 3000, 100)
    )
    assert np.isnan(traces.loc["t4", "cost_usd"]) and not traces.loc["t4", "price_known"]


def judged(**columns) -> pd.DataFrame:
    base = {
        "trace_id": ["t1", "t1", "t3", "t9"],
        "span_id": ["s1", "s3", "s5", None],
        "model": ["gpt-4o-mini", "gpt-4o-mini", "claude-3-5-haiku-20241022", "gpt-4.1"],
        "tenant": ["acme", "acme", "acme", "initech"],
        "route": "/chat",
        "judge_model": "gpt-4o-mini",
        "judge_prompt_tokens": [1000, 2000, 4000, 8000],
        "judge_completion_tokens": [10, 20, 40, 80],
    }
    return pd.DataFrame({**base, **columns})


def test_judge_spend_is_repriced_and_attributed_once_per_result():
    evals = judged()
    table = cost_daily(SPANS, evals, DAY)
    tokens = evals[["judge_prompt_tokens", "judge_completion_tokens"]].to_numpy()
    cost = [by_hand("gpt-4o-mini", p, c) for p, c in tokens]
    assert row(table, ALL, ALL, ALL)["judge_cost_usd"] == pytest.approx(sum(cost))
    assert row(table, "gpt-4o-mini")["judge_cost_usd"] == pytest.approx(cost[0] + cost[1])
    assert row(table, "claude-3-5-haiku-20241022")["judge_cost_usd"] == pytest.approx(cost[2])
    no_calls = row(table, "gpt-4.1", "initech")  # a trace without LLM calls keeps its spend
    assert (no_calls["n_calls"], no_calls["cost_usd"]) == (0, 0.0)
    cheaper = PriceOverride(model="gpt-4o-mini", input_per_1m=0.01, output_per_1m=0.01)
    overridden = cost_daily(SPANS, evals, DAY, [cheaper])
    assert row(overridden, ALL, ALL, ALL)["judge_cost_usd"] == pytest.approx(15150 * 0.01 / 1e6)


def test_unpriced_judge_is_unknown_and_cached_verdicts_are_free():
    unpriced = cost_daily(SPANS, judged(judge_model="local-judge"), DAY)
    assert np.isnan(row(unpriced, ALL, ALL, ALL)["judge_cost_usd"])
    assert row(unpriced, "in-house-7b", "globex")["judge_cost_usd"] == 0.0  # judged nothing
    cached = judged(judge_prompt_tokens=0, judge_completion_tokens=0, judge_model="local-judge")
    assert row(cost_daily(SPANS, cached, DAY), ALL, ALL, ALL)["judge_cost_usd"] == 0.0
    stored = judged().drop(columns=["judge_model", "judge_prompt_tokens"])
    stored["judge_cost_usd"] = [0.01, 0.02, 0.04, 0.08]  # no tokens: the stored spend is used
    assert row(cost_daily(SPANS, stored, DAY), ALL, ALL, ALL)["judge_cost_usd"] == pytest.approx(
        0.15
    )


def test_empty_input_gives_the_columns():
    table = cost_daily(SPANS.iloc[:0], None, DAY)
    assert table.empty and {"cost_usd", "price_known", "judge_cost_usd"} <= set(table.columns)
