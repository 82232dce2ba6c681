"""The step table: per cohort × step latency, self time that adds up to the trace, and cost."""

import numpy as np
import pytest
from regression_days import Change, spans_day

from fi_dagster.stats.cost import span_costs
from fi_dagster.stats.quality import ALL
from fi_dagster.stats.step_daily import WHOLE_TRACE, step_daily
from fi_dagster.stats.trace_steps import STEP_SPAN_COLUMNS

DAY = "2025-03-01"


@pytest.fixture(scope="module")
def spans():
    return spans_day(DAY, np.random.default_rng(3), 300)


def rows(table, tenant=ALL):
    mine = table[(table["tenant"] == tenant) & (table["model"] == ALL)]
    return mine[(mine["route"] == ALL) & (mine["prompt_version"] == ALL)].set_index("step")


def test_self_times_add_up_to_the_trace(spans):
    total = rows(step_daily(spans, DAY))
    steps = total.drop(index=WHOLE_TRACE)
    assert steps["self_ms_per_trace"].sum() == pytest.approx(
        total.at[WHOLE_TRACE, "self_ms_per_trace"], rel=1e-6
    )
    assert steps["tail_self_ms_per_trace"].sum() == pytest.approx(
        total.at[WHOLE_TRACE, "tail_self_ms_per_trace"], rel=1e-6
    )
    assert steps.at["agent", "self_ms_per_trace"] < 50  # the agent only waits for its steps


def test_percentiles_and_counts_per_step_and_tenant(spans):
    table = step_daily(spans, DAY)
    chat = spans[spans["name"] == "chat"]
    northwind = chat[chat["tenant"] == "northwind"]["latency_ms"]
    row = rows(table, "northwind").loc["chat"]
    assert row["n"] == len(northwind) and row["span_kind"] == "LLM"
    assert row["p50_ms"] == pytest.approx(np.quantile(northwind, 0.5))
    assert row["p99_ms"] == pytest.approx(np.quantile(northwind, 0.99))
    assert row["log_ms_mean"] == pytest.approx(np.log(northwind).mean())
    assert row["n_traces"] == spans.loc[spans["tenant"] == "northwind", "trace_id"].nunique()


def test_prompt_tokens_and_cost_are_per_call_and_per_trace(spans):
    total = rows(step_daily(spans, DAY))
    chat = spans[spans["name"] == "chat"]
    assert total.at["chat", "prompt_tokens_mean"] == pytest.approx(chat["prompt_tokens"].mean())
    assert np.isnan(total.at["search", "prompt_tokens_mean"])
    per_call = total.at["chat", "cost_usd_mean"]
    assert per_call > 0
    assert total.at["chat", "cost_per_trace_usd"] == pytest.approx(per_call)  # one call a trace
    assert total.at[WHOLE_TRACE, "cost_usd_mean"] == pytest.approx(per_call)


def test_a_slow_step_shows_in_its_cohorts_self_time_only():
    slow = spans_day(DAY, np.random.default_rng(3), 300, Change(slow={("search", "acme"): 3.0}))
    table = step_daily(slow, DAY)
    acme, globex = rows(table, "acme"), rows(table, "globex")
    assert acme.at["search", "self_ms_per_trace"] > 2.5 * globex.at["search", "self_ms_per_trace"]
    assert acme.at["agent", "p50_ms"] > globex.at["agent", "p50_ms"]
    assert acme.at["agent", "self_ms_per_trace"] < 50


def test_no_spans_no_rows(spans):
    assert step_daily(spans.iloc[:0], DAY).empty


def test_step_cost_prices_cached_and_reasoning_tokens_as_the_cost_table_does(spans):
    """The asset reads only STEP_SPAN_COLUMNS: they must carry every token column priced."""
    priced = spans.assign(
        span_model="gpt-4o",
        cached_prompt_tokens=spans["prompt_tokens"] // 2,
        reasoning_tokens=spans["completion_tokens"] // 3,
    )
    read = priced[[c for c in STEP_SPAN_COLUMNS if c in priced]]
    chat = rows(step_daily(read, DAY)).loc["chat"]
    calls = span_costs(priced[priced["name"] == "chat"], DAY)
    assert chat["cost_usd_mean"] == pytest.approx(calls["cost_usd"].mean(), rel=1e-9)
    full_price = span_costs(
        priced.drop(columns=["cached_prompt_tokens"]).query("name == 'chat'"), DAY
    )
    assert chat["cost_usd_mean"] < full_price["cost_usd"].mean()  # cached input is cheaper
