"""Regression detection: real changes page once, with their cohort and cause; noise never does."""

import functools
import json

import numpy as np
import pandas as pd
import pytest
from regression_days import Change, day_tables, days, quality_day, steps_day

from fi_dagster.config import RegressionConfig
from fi_dagster.stats.baselines import baseline_window
from fi_dagster.stats.day_tables import DayTables
from fi_dagster.stats.regressions import REGRESSION_COLUMNS, all_tests, detect_regressions

CONFIG = RegressionConfig()


@functools.cache
def clean_days(n_days: int = 37, traces: int = 400) -> tuple[list, list, list]:
    """`n_days` unchanged days of quality and step tables, generated once per session."""
    rng = np.random.default_rng(2024)
    dates = days(n_days)
    return (
        dates,
        [quality_day(d, rng) for d in dates],
        [steps_day(d, rng, traces) for d in dates],
    )


def history(seed: int, n_days: int = 8, last: Change | None = None, traces: int = 400):
    """`n_days - 1` clean days, then a last day (its own randomness) changed by `last`."""
    dates, quality, steps = clean_days()
    rng = np.random.default_rng(seed)
    day = dates[n_days - 1]
    return (
        dates[:n_days],
        [*quality[: n_days - 1], quality_day(day, rng, change=last)],
        [*steps[: n_days - 1], steps_day(day, rng, traces, last)],
    )


def detect(quality, steps, config: RegressionConfig = CONFIG, earlier=None) -> pd.DataFrame:
    tables = day_tables(quality, steps)
    return detect_regressions(tables, config, quality[-1]["partition_date"].iloc[0], earlier)


def attribution(flag: pd.Series) -> dict:
    return json.loads(flag["attribution"])


def test_a_drop_in_one_tenant_is_one_flag_naming_that_tenant():
    change = Change(pass_rates={("Groundedness", "northwind"): 0.55})
    dates, quality, steps = history(11, last=change)
    found = detect(quality, steps)
    assert list(found.columns) == list(REGRESSION_COLUMNS)
    assert len(found) == 1
    flag = found.iloc[0]
    assert (flag["metric"], flag["evaluator_or_stat"]) == ("pass_rate", "Groundedness")
    assert json.loads(flag["cohort"]) == {"tenant": "northwind"}
    assert flag["partition_date"] == dates[-1]
    assert flag["delta"] == pytest.approx(flag["current_value"] - flag["baseline_value"])
    assert flag["delta"] < -0.2 and flag["severity"] == "error" and flag["p_value"] < 1e-6
    details = attribution(flag)
    low, high = details["interval"]
    assert low < flag["current_value"] < high
    echoes = [e["cohort"] for e in details["also_flagged"]]
    assert {"tenant": "acme"} not in echoes and {"tenant": "globex"} not in echoes


def test_json_validation_drops_are_reported_as_json_validity_rate():
    change = Change(pass_rates={("JSONValidation", "acme"): 0.5, ("JSONValidation", "globex"): 0.5})
    _, quality, steps = history(12, last=change)
    found = detect(quality, steps)
    assert sorted(json.loads(c)["tenant"] for c in found["cohort"]) == ["acme", "globex"]
    assert set(found["metric"]) == {"json_validity_rate"}


def test_a_drop_everywhere_is_one_regression_of_all_traffic():
    _, quality, steps = history(13, last=Change(pass_rates={("Groundedness", None): 0.6}))
    found = detect(quality, steps)
    assert list(found["cohort"]) == ["{}"]
    assert len(attribution(found.iloc[0])["also_flagged"]) >= 3  # the tenants and models


def test_a_drop_confined_to_one_model_is_located_there():
    change = Change(pass_rates={("Groundedness", "northwind"): 0.3}, model_only="gpt-4o")
    _, quality, steps = history(14, last=change)
    [flag] = [f for _, f in detect(quality, steps).iterrows()]
    assert json.loads(flag["cohort"]) in ({"tenant": "northwind"}, {"model": "gpt-4o"})
    details = attribution(flag)
    hot = [c for c in details["concentration"] if c["concentrated"]]
    if json.loads(flag["cohort"]) == {"tenant": "northwind"}:
        assert [(c["dimension"], c["value"]) for c in hot] == [("model", "gpt-4o")]
        assert "model=gpt-4o" in details["summary"]


def test_lower_scores_that_still_pass_are_a_mean_score_regression():
    _, quality, steps = history(15, last=Change(scores={("Groundedness", "acme"): 0.2}))
    found = detect(quality, steps)
    flags = found[found["cohort"] == '{"tenant": "acme"}']
    assert "mean_score" in set(flags["metric"])
    assert (flags["evaluator_or_stat"] == "Groundedness").all()


def test_judge_errors_everywhere_are_an_eval_error_rate_regression():
    _, quality, steps = history(16, last=Change(error_rates={("Groundedness", None): 0.3}))
    found = detect(quality, steps)
    errors = found[found["metric"] == "eval_error_rate"]
    assert list(errors["cohort"]) == ["{}"]
    assert errors.iloc[0]["current_value"] > 0.2


def test_a_slow_step_in_one_tenant_is_named_with_its_share_of_the_slowdown():
    _, quality, steps = history(5, last=Change(slow={("search", "northwind"): 4.0}))
    found = detect(quality, steps)
    assert set(found["cohort"]) == {'{"tenant": "northwind"}'}
    assert "agent" not in set(found["evaluator_or_stat"])  # it only contains the slow step
    step = found[found["evaluator_or_stat"] == "search"].iloc[0]
    assert step["metric"] == "p50_latency_ms"
    assert step["current_value"] / step["baseline_value"] > 3
    details = attribution(step)
    assert details["responsible_step"] == "search"
    assert details["share_of_trace_increase"] > 0.8
    assert "`search`" in details["summary"] and "tenant=northwind" in details["summary"]
    for _, trace in found[found["evaluator_or_stat"] == "(trace)"].iterrows():
        assert attribution(trace)["responsible_step"] == "search"


def test_a_slow_step_everywhere_also_flags_the_trace_and_attributes_it():
    _, quality, steps = history(6, last=Change(slow={("chat", None): 2.5}))
    found = detect(quality, steps)
    assert set(found["cohort"]) == {"{}"}
    trace = found[found["evaluator_or_stat"] == "(trace)"].iloc[0]
    details = attribution(trace)
    assert details["responsible_step"] == "chat"
    top = details["split_by_step"][0]
    assert top["step"] == "chat" and top["share"] > 0.9
    assert "chat" in set(found["evaluator_or_stat"])


def test_a_grown_prompt_is_a_tokens_per_call_and_cost_regression():
    _, quality, steps = history(7, last=Change(tokens={("chat", None): 2.0}))
    found = detect(quality, steps)
    tokens = found[found["metric"] == "prompt_tokens_per_call"].iloc[0]
    assert tokens["evaluator_or_stat"] == "chat" and tokens["cohort"] == "{}"
    assert tokens["current_value"] / tokens["baseline_value"] == pytest.approx(2.0, rel=0.05)
    cost = found[found["metric"] == "cost_per_trace_usd"]
    if len(cost):  # prompts are most, not all, of the cost
        assert attribution(cost.iloc[0])["responsible_step"] == "chat"


def test_thirty_unchanged_days_raise_nothing():
    _, quality, steps = clean_days()
    tested = len(all_tests(day_tables(quality[:8], steps[:8]), None, CONFIG))
    assert tested > 100  # cohorts × evaluators × metrics and cohorts × steps × metrics
    flags = [detect(quality[i - 7 : i + 1], steps[i - 7 : i + 1]) for i in range(7, 37)]
    assert sum(len(f) for f in flags) == 0


def test_a_flagged_day_is_left_out_of_the_next_days_baseline():
    change = Change(pass_rates={("Groundedness", "northwind"): 0.5})
    rng = np.random.default_rng(21)
    dates = days(9)
    quality = [quality_day(d, rng) for d in dates[:7]]
    quality += [quality_day(d, rng, change=change) for d in dates[7:]]
    steps = [steps_day(d, rng, 300) for d in dates]
    first = detect(quality[:8], steps[:8])
    second = detect(quality, steps, earlier=first)
    polluted = detect(quality, steps, RegressionConfig(exclude_flagged_days=False), first)
    [kept] = second["baseline_value"]
    assert attribution(second.iloc[0])["baseline_days"] == 7
    assert kept == pytest.approx(first["baseline_value"].iloc[0], abs=0.02)
    assert polluted["baseline_value"].iloc[0] < kept - 0.03


def test_too_short_a_baseline_flags_nothing():
    change = Change(pass_rates={("Groundedness", "acme"): 0.3}, slow={("chat", None): 4.0})
    _, quality, steps = history(3, n_days=2, last=change)
    assert detect(quality, steps).empty
    relaxed = detect(quality, steps, RegressionConfig(min_baseline_days=1))
    assert {"pass_rate", "p50_latency_ms"} <= set(relaxed["metric"])


def test_small_cohorts_are_not_judged():
    rng = np.random.default_rng(4)
    dates = days(8)
    quality = [quality_day(d, rng, per_cohort=4) for d in dates[:-1]]
    change = Change(pass_rates={("Groundedness", "acme"): 0.0})
    quality.append(quality_day(dates[-1], rng, per_cohort=4, change=change))
    steps = [steps_day(d, rng, 20) for d in dates]
    assert detect(quality, steps).empty  # 8 results for acme is below min_n


def test_empty_inputs_give_the_columns():
    empty = pd.DataFrame()
    found = detect_regressions(DayTables(empty, empty, empty, empty), CONFIG, "2025-03-01")
    assert found.empty and list(found.columns) == list(REGRESSION_COLUMNS)


def test_a_pinned_reference_window_keeps_comparing_with_before_the_swap():
    pinned = RegressionConfig(
        reference_windows={"before-swap": {"start": "2025-03-01", "end": "2025-03-07"}},
        pinned_baseline="before-swap",
    )
    window = baseline_window("2025-03-15", pinned)
    assert (window.start, window.end) == ("2025-03-01", "2025-03-07")
    assert "before-swap" in window.describe()
    assert baseline_window("2025-03-05", pinned).end == "2025-03-04"  # never today or later
    assert baseline_window("2025-03-15", CONFIG).start == "2025-03-08"

    worse = Change(pass_rates={("Groundedness", None): 0.7})
    rng = np.random.default_rng(31)
    dates = days(15)
    quality = [quality_day(d, rng, change=None if i < 7 else worse) for i, d in enumerate(dates)]
    steps = [steps_day(d, rng, 200) for d in dates]
    trailing = detect(quality[7:], steps[7:])  # the new normal is its own baseline
    assert trailing.empty
    tables = DayTables(quality[-1], pd.concat(quality[:7]), steps[-1], pd.concat(steps[:7]))
    found = detect_regressions(tables, pinned, dates[-1], window=baseline_window(dates[-1], pinned))
    assert list(found["evaluator_or_stat"]) == ["Groundedness"]
    assert "reference window 'before-swap'" in attribution(found.iloc[0])["baseline"]
