"""Cohort sampling: deterministic, rate-respecting, never loses an error."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from fi_dagster.config import SamplingConfig
from fi_dagster.stats.sampling import sample_cohorts, trace_uniforms


def facts(sizes: dict[str, int], error_every: int = 0) -> pd.DataFrame:
    """One row per trace; cohorts differ by tenant."""
    tenants = np.concatenate([[t] * n for t, n in sizes.items()])
    ids = [f"trace-{i:06d}" for i in range(len(tenants))]
    errors = (np.arange(len(tenants)) % error_every == 0) if error_every else False
    return pd.DataFrame(
        {
            "trace_id": ids,
            "model": "gpt-4o-mini",
            "prompt_version": "v1",
            "route": "/chat",
            "tenant": tenants,
            "has_error": errors,
            "n_spans": 3,
        }
    )


def four_sigma(n: int, p: float) -> float:
    return 4 * np.sqrt(n * p * (1 - p))


def test_reruns_pick_the_same_traces_whatever_the_row_order():
    day = facts({"acme": 5000})
    config = SamplingConfig(rate=0.1, min_per_cohort=0)
    first = sample_cohorts(day, config)
    shuffled = sample_cohorts(day.sample(frac=1, random_state=1), config)
    assert set(first["trace_id"]) == set(shuffled["trace_id"])
    other_salt = sample_cohorts(day, SamplingConfig(rate=0.1, min_per_cohort=0, salt="other"))
    assert set(first["trace_id"]) != set(other_salt["trace_id"])


def test_draws_are_stable_across_processes():
    ids = ["a", "trace-1", "0af7651916cd43dd8448eb211c80319c"]
    code = (
        "import json; from fi_dagster.stats.sampling import trace_uniforms;"
        f"print(json.dumps(trace_uniforms({ids!r}, 's').tolist()))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == trace_uniforms(ids, "s").tolist()


def test_draws_are_uniform():
    u = trace_uniforms([f"t{i}" for i in range(20000)], "salt")
    assert u.min() >= 0 and u.max() < 1
    counts, _ = np.histogram(u, bins=10, range=(0, 1))
    assert np.all(np.abs(counts - 2000) < four_sigma(20000, 0.1))


def test_sampled_share_matches_the_rate():
    sampled = sample_cohorts(facts({"acme": 10000}), SamplingConfig(rate=0.2, min_per_cohort=0))
    assert abs(len(sampled) - 2000) < four_sigma(10000, 0.2)
    assert np.allclose(sampled["inclusion_prob"], 0.2)
    assert np.allclose(sampled["sample_weight"], 5.0)
    assert (sampled["n_spans"] == 3).all()  # other columns are kept


def test_small_cohorts_are_raised_to_min_per_cohort():
    config = SamplingConfig(rate=0.01, min_per_cohort=30)
    sampled = sample_cohorts(facts({"big": 10000, "small": 50, "tiny": 10}), config)
    prob = sampled.groupby("tenant")["inclusion_prob"].first()
    assert prob["big"] == pytest.approx(0.01)
    assert prob["small"] == pytest.approx(30 / 50)
    assert prob["tiny"] == 1.0
    assert (sampled["tenant"] == "tiny").sum() == 10


def test_large_cohorts_are_lowered_to_max_per_cohort():
    config = SamplingConfig(rate=0.5, min_per_cohort=0, max_per_cohort=100)
    sampled = sample_cohorts(facts({"big": 10000, "small": 40}), config)
    counts = sampled["tenant"].value_counts()
    assert abs(counts["big"] - 100) < four_sigma(10000, 0.01)
    assert sampled.loc[sampled["tenant"] == "small", "inclusion_prob"].iloc[0] == 0.5


def test_errors_are_always_included_with_weight_one():
    day = facts({"acme": 5000}, error_every=50)
    sampled = sample_cohorts(day, SamplingConfig(rate=0.05, min_per_cohort=0))
    errors = sampled[sampled["has_error"]]
    assert set(errors["trace_id"]) == set(day.loc[day["has_error"], "trace_id"])
    assert (errors["sample_weight"] == 1.0).all()
    unforced = sample_cohorts(
        day, SamplingConfig(rate=0.05, min_per_cohort=0, always_include_errors=False)
    )
    assert unforced["has_error"].sum() < day["has_error"].sum() / 2


def test_daily_cap_scales_every_cohort_alike():
    config = SamplingConfig(rate=0.5, min_per_cohort=0, max_traces_per_day=600)
    sampled = sample_cohorts(facts({"a": 8000, "b": 2000}), config)
    prob = sampled.groupby("tenant")["inclusion_prob"].first()
    assert prob["a"] == pytest.approx(prob["b"])
    assert 8000 * prob["a"] + 2000 * prob["b"] == pytest.approx(600)
    assert abs(len(sampled) - 600) < four_sigma(10000, 0.06)


def test_weights_estimate_the_population():
    day = facts({"big": 20000, "small": 300}, error_every=97)
    sampled = sample_cohorts(day, SamplingConfig(rate=0.1, min_per_cohort=100))
    by_tenant = sampled.groupby("tenant")["sample_weight"].sum()
    assert by_tenant["small"] == pytest.approx(300, rel=0.15)
    assert by_tenant["big"] == pytest.approx(20000, rel=0.05)


def test_empty_input_gives_empty_sample_with_weights():
    out = sample_cohorts(facts({"acme": 1}).iloc[:0], SamplingConfig())
    assert out.empty and {"inclusion_prob", "sample_weight"} <= set(out.columns)
