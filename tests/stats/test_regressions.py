"""Regression detection: real drops page once, noise never does."""

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from fi_dagster.config import RegressionConfig
from fi_dagster.stats.latency import latency_daily
from fi_dagster.stats.quality import quality_daily
from fi_dagster.stats.regressions import REGRESSION_COLUMNS, detect_regressions

TENANTS = ("acme", "northwind", "globex")
MODELS = ("gpt-4o-mini", "claude-3-5-haiku")
EVALUATORS = ("faithfulness", "json_valid")
STEPS = {"retrieve": 80.0, "search": 200.0, "chat": 900.0}  # median ms of each step
CONFIG = RegressionConfig()


def days(n: int) -> list[str]:
    start = date(2025, 3, 1)
    return [(start + timedelta(days=i)).isoformat() for i in range(n)]


def quality_day(day: str, rng, per_cohort: int = 150, rates: dict | None = None) -> pd.DataFrame:
    """A day's quality table from simulated evals; `rates` maps (evaluator, tenant) to a rate."""
    rates = rates or {}
    grid = pd.MultiIndex.from_product([TENANTS, MODELS, EVALUATORS]).to_frame(index=False)
    grid.columns = ["tenant", "model", "evaluator"]
    evals = grid.loc[grid.index.repeat(per_cohort)].reset_index(drop=True)
    p = [rates.get((e, t), 0.9) for e, t in zip(evals["evaluator"], evals["tenant"], strict=True)]
    passed = rng.random(len(evals)) < np.asarray(p)
    evals = evals.assign(
        status="ok",
        passed=passed,
        score=passed * 1.0,
        sample_weight=1.0,
        prompt_version="v3",
        route="/support",
    )
    return quality_daily(evals).assign(partition_date=day)


def latency_day(day: str, rng, traces: int = 400, slow: dict | None = None) -> pd.DataFrame:
    """A day's latency table: an agent span around three steps; `slow` multiplies steps."""
    slow = slow or {}
    steps = {
        name: rng.lognormal(np.log(ms), 0.4, traces) * slow.get(name, 1.0)
        for name, ms in STEPS.items()
    }
    agent = sum(steps.values()) + rng.exponential(20, traces)
    frames = [
        pd.DataFrame({"span_kind": "TOOL", "name": name, "latency_ms": values})
        for name, values in [*steps.items(), ("agent", agent)]
    ]
    spans = pd.concat(frames, ignore_index=True).assign(status="OK", span_model=None)
    spans.loc[spans["name"] == "chat", ["span_kind", "span_model"]] = ["LLM", "gpt-4o-mini"]
    spans.loc[spans["name"] == "agent", "span_kind"] = "AGENT"
    return latency_daily(spans).assign(partition_date=day)


def detect(quality: list, latency: list, config: RegressionConfig = CONFIG) -> pd.DataFrame:
    """Regressions of the last day against all earlier ones."""
    return detect_regressions(
        quality[-1],
        pd.concat(quality[:-1]),
        latency[-1],
        pd.concat(latency[:-1]),
        config,
        quality[-1]["partition_date"].iloc[0],
    )


def test_a_drop_in_one_tenant_is_flagged_once_with_that_tenant():
    rng = np.random.default_rng(11)
    dates = days(8)
    quality = [quality_day(d, rng) for d in dates[:-1]]
    quality.append(quality_day(dates[-1], rng, rates={("faithfulness", "northwind"): 0.6}))
    latency = [latency_day(d, rng) for d in dates]

    found = detect(quality, latency)
    assert list(found.columns) == list(REGRESSION_COLUMNS)
    assert len(found) == 1
    flag = found.iloc[0]
    assert (flag["metric"], flag["evaluator_or_stat"]) == ("pass_rate", "faithfulness")
    assert flag["cohort"] == '{"tenant": "northwind"}'
    assert flag["partition_date"] == dates[-1]
    assert flag["delta"] == pytest.approx(flag["current_value"] - flag["baseline_value"])
    assert flag["delta"] < -0.2 and flag["severity"] == "error" and flag["p_value"] < 1e-6
    echoes = [e["cohort"] for e in json.loads(flag["attribution"])["also_flagged"]]
    assert {"tenant": "acme"} not in echoes and {"tenant": "globex"} not in echoes


def test_independent_drops_in_two_tenants_are_both_kept():
    rng = np.random.default_rng(12)
    dates = days(8)
    quality = [quality_day(d, rng) for d in dates[:-1]]
    drops = {("json_valid", "acme"): 0.55, ("json_valid", "globex"): 0.55}
    quality.append(quality_day(dates[-1], rng, rates=drops))
    found = detect(quality, [latency_day(d, rng) for d in dates])
    assert sorted(found["cohort"]) == ['{"tenant": "acme"}', '{"tenant": "globex"}']
    assert set(found["evaluator_or_stat"]) == {"json_valid"}


def test_thirty_unchanged_days_raise_nothing():
    rng = np.random.default_rng(2024)
    dates = days(37)
    quality = [quality_day(d, rng) for d in dates]
    latency = [latency_day(d, rng) for d in dates]
    flags = [detect(quality[i - 7 : i + 1], latency[i - 7 : i + 1]) for i in range(7, 37)]
    assert sum(len(f) for f in flags) == 0


def test_a_slow_step_is_named_as_the_latency_regression():
    rng = np.random.default_rng(5)
    dates = days(8)
    quality = [quality_day(d, rng) for d in dates]
    latency = [latency_day(d, rng) for d in dates[:-1]]
    latency.append(latency_day(dates[-1], rng, slow={"search": 3.0}))

    found = detect(quality, latency)
    slow = found[found["metric"] == "p99_latency_ms"]
    assert list(slow["evaluator_or_stat"]) == ["search"]
    flag = slow.iloc[0]
    assert flag["current_value"] / flag["baseline_value"] > 2
    assert flag["severity"] == "error" and flag["p_value"] < 0.01
    attribution = json.loads(flag["attribution"])
    assert attribution["span_name"] == "search"
    assert attribution["share_of_increase"] == pytest.approx(1.0)


def test_too_short_a_baseline_flags_nothing():
    rng = np.random.default_rng(3)
    dates = days(2)
    quality = [quality_day(dates[0], rng)]
    quality.append(quality_day(dates[1], rng, rates={("faithfulness", "acme"): 0.3}))
    latency = [latency_day(dates[0], rng), latency_day(dates[1], rng, slow={"chat": 4.0})]
    assert detect(quality, latency).empty
    relaxed = RegressionConfig(min_baseline_days=1)
    assert set(detect(quality, latency, relaxed)["metric"]) == {"pass_rate", "p99_latency_ms"}


def test_small_cohorts_are_not_judged():
    rng = np.random.default_rng(4)
    dates = days(8)
    quality = [quality_day(d, rng, per_cohort=4) for d in dates[:-1]]
    quality.append(quality_day(dates[-1], rng, per_cohort=4, rates={("faithfulness", "acme"): 0}))
    found = detect(quality, [latency_day(d, rng) for d in dates])
    assert found.empty  # 8 results for acme is below min_n


def test_empty_inputs_give_the_columns():
    empty = pd.DataFrame()
    found = detect_regressions(empty, empty, empty, empty, CONFIG, "2025-03-01")
    assert found.empty and list(found.columns) == list(REGRESSION_COLUMNS)
