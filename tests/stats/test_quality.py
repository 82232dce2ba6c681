"""The daily quality table: weighted pass rates that estimate the whole day."""

import numpy as np
import pandas as pd
import pytest

from fi_dagster.config import SamplingConfig
from fi_dagster.stats.quality import ALL, headline_pass_rate, quality_daily
from fi_dagster.stats.sampling import sample_cohorts


def results(passed, weights=None, **cohort) -> pd.DataFrame:
    n = len(passed)
    return pd.DataFrame(
        {
            "evaluator": "faithfulness",
            "status": "ok",
            "passed": passed,
            "score": np.asarray(passed, dtype=float),
            "sample_weight": 1.0 if weights is None else weights,
            "model": cohort.get("model", "gpt-4o-mini"),
            "prompt_version": cohort.get("prompt_version", "v1"),
            "route": cohort.get("route", "/chat"),
            "tenant": cohort.get("tenant", "acme"),
        },
        index=range(n),
    )


def total_row(table: pd.DataFrame, evaluator: str = "faithfulness") -> pd.Series:
    rows = table[(table[["model", "prompt_version", "route", "tenant"]] == ALL).all(axis=1)]
    return rows[rows["evaluator"] == evaluator].iloc[0]


def test_wilson_interval_matches_the_published_value_for_8_of_10():
    row = total_row(quality_daily(results([True] * 8 + [False] * 2)))
    assert row["pass_rate"] == pytest.approx(0.8)
    # By hand: centre (0.8 + 1.96²/20) / (1 + 1.96²/10) = 0.7167, half-width 0.2266.
    assert row["pass_rate_ci_low"] == pytest.approx(0.4902, abs=1e-4)
    assert row["pass_rate_ci_high"] == pytest.approx(0.9433, abs=1e-4)


def test_unequal_weights_shrink_the_sample_to_its_kish_size():
    table = quality_daily(results([True, False, True, True], weights=[1.0, 1.0, 4.0, 4.0]))
    row = total_row(table)
    p = (1 + 4 + 4) / 10
    n = 10**2 / (1 + 1 + 16 + 16)
    z = 1.959963984540054
    center = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert row["pass_rate"] == pytest.approx(p)
    assert row["n_eff"] == pytest.approx(n)
    assert row["pass_rate_ci_low"] == pytest.approx(center - half)
    assert row["pass_rate_ci_high"] == pytest.approx(center + half)


def test_weighted_rate_of_an_unbalanced_sample_estimates_the_population():
    rng = np.random.default_rng(7)
    population = pd.DataFrame(
        {
            "trace_id": [f"t{i}" for i in range(20500)],
            "model": "gpt-4o-mini",
            "prompt_version": "v1",
            "route": "/chat",
            "tenant": ["big"] * 20000 + ["small"] * 500,
            "has_error": False,
        }
    )
    population["passed"] = rng.random(len(population)) < np.where(
        population["tenant"] == "big", 0.9, 0.5
    )
    sampled = sample_cohorts(population, SamplingConfig(rate=0.1, min_per_cohort=500))
    assert sampled.groupby("tenant")["inclusion_prob"].first().to_dict() == {
        "big": 0.1,
        "small": 1.0,
    }
    evals = sampled.assign(evaluator="faithfulness", status="ok", score=sampled["passed"] * 1.0)
    row = total_row(quality_daily(evals))
    truth = population["passed"].mean()
    assert abs(row["pass_rate"] - truth) < 0.015
    assert row["pass_rate_ci_low"] <= truth <= row["pass_rate_ci_high"]
    assert abs(sampled["passed"].mean() - truth) > 0.05  # the unweighted mean is biased


def test_rollups_cover_each_dimension_and_the_total():
    day = pd.concat(
        [
            results([True] * 3, tenant="acme", model="m1"),
            results([False] * 2, tenant="globex", model="m1"),
            results([True, False], tenant="globex", model="m2"),
        ],
        ignore_index=True,
    )
    table = quality_daily(day).set_index(["model", "prompt_version", "route", "tenant"])
    assert table.index.is_unique
    assert table.loc[("m1", "v1", "/chat", "globex"), "pass_rate"] == 0.0
    assert table.loc[(ALL, ALL, ALL, "globex"), "n"] == 4
    assert table.loc[(ALL, ALL, ALL, "globex"), "pass_rate"] == pytest.approx(0.25)
    assert table.loc[("m1", ALL, ALL, ALL), "pass_rate"] == pytest.approx(0.6)
    assert table.loc[("m2", ALL, ALL, "globex"), "pass_rate"] == pytest.approx(0.5)
    assert table.loc[(ALL, ALL, ALL, ALL), "n"] == 7


def unbalanced_day(seed: int = 3) -> pd.DataFrame:
    """Results over 3 tenants × 2 models × 2 routes with unequal weights, errors and skips."""
    rng = np.random.default_rng(seed)
    n = 3000
    tenant = rng.choice(["acme", "globex", "initech"], n, p=[0.7, 0.25, 0.05])
    frame = pd.DataFrame(
        {
            "evaluator": rng.choice(["faithfulness", "json_valid"], n),
            "status": rng.choice(["ok", "error", "skipped"], n, p=[0.9, 0.07, 0.03]),
            "passed": (rng.random(n) < np.where(tenant == "initech", 0.4, 0.85)).astype(object),
            "score": rng.random(n),
            "sample_weight": np.where(tenant == "acme", 20.0, rng.choice([1.0, 2.0, 5.0], n)),
            "model": rng.choice(["m1", "m2"], n),
            "prompt_version": "v1",
            "route": rng.choice(["/chat", "/search"], n),
            "tenant": tenant,
        }
    )
    frame.loc[frame["status"] != "ok", ["passed", "score"]] = None
    return frame


def test_every_row_equals_a_weighted_average_over_exactly_its_traffic():
    """A dashboard's filter (each column one value or All) reads one row, and that row is
    what numpy computes from the raw results under the same filter."""
    day = unbalanced_day()
    table = quality_daily(day)
    cohort = ["model", "prompt_version", "route", "tenant"]
    values = {c: [ALL, *day[c].unique()] for c in cohort}
    expected_rows = len(pd.MultiIndex.from_product(list(values.values())))
    assert len(table) == 2 * expected_rows  # every combination, once per evaluator
    for row in table.itertuples():
        mask = day["evaluator"] == row.evaluator
        for c in cohort:
            if getattr(row, c) != ALL:
                mask &= day[c] == getattr(row, c)
        ok = day[mask & (day["status"] == "ok")]
        assert row.n == len(ok) and row.n_error == (mask & (day["status"] == "error")).sum()
        w = ok["sample_weight"].to_numpy()
        assert row.pass_rate == pytest.approx(np.average(ok["passed"].astype(float), weights=w))
        assert row.mean_score == pytest.approx(np.average(ok["score"].astype(float), weights=w))
        assert row.n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum())


def test_headline_is_the_weighted_share_of_all_checks_that_passed():
    day = unbalanced_day()
    ok = day[day["status"] == "ok"]
    expected = np.average(ok["passed"].astype(float), weights=ok["sample_weight"])
    assert headline_pass_rate(day) == pytest.approx(expected)
    assert np.isnan(headline_pass_rate(day.iloc[:0]))


def test_errors_are_counted_apart_and_skipped_results_not_at_all():
    day = results([True, False, None, None, True])
    day["status"] = ["ok", "ok", "error", "skipped", "ok"]
    day["score"] = [1.0, 0.2, None, None, 0.9]
    day["sample_weight"] = [1.0, 3.0, 1.0, 1.0, 1.0]
    row = total_row(quality_daily(day))
    assert (row["n"], row["n_error"]) == (3, 1)
    assert row["pass_rate"] == pytest.approx(2 / 5)
    assert row["mean_score"] == pytest.approx((1.0 + 0.6 + 0.9) / 5)


def test_a_cohort_with_only_errors_has_no_pass_rate():
    day = results([None, None])
    day["status"] = "error"
    row = total_row(quality_daily(day))
    assert row["n"] == 0 and row["n_error"] == 2
    assert np.isnan(row["pass_rate"]) and np.isnan(row["pass_rate_ci_low"])


def test_evaluators_are_kept_apart():
    day = pd.concat([results([True] * 4), results([False] * 4).assign(evaluator="json_valid")])
    table = quality_daily(day)
    assert total_row(table)["pass_rate"] == 1.0
    assert total_row(table, "json_valid")["pass_rate"] == 0.0


def test_empty_input_gives_the_columns():
    table = quality_daily(results([]).iloc[:0])
    assert table.empty and {"pass_rate_ci_low", "mean_score", "evaluator"} <= set(table.columns)
