"""Cohort sampling: deterministic, exact sizes, known inclusion probabilities, hard caps."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from fi_dagster.config import SamplingConfig
from fi_dagster.stats.sampling import judged_items, sample_cohorts, trace_uniforms


def facts(sizes: dict[str, int], error_every: int = 0, items: int | None = None) -> pd.DataFrame:
    """One row per trace; cohorts differ by tenant; `items` judged items per trace (else 1..7)."""
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
            "judged_items": items if items is not None else 1 + np.arange(len(tenants)) % 7,
        }
    )


def four_sigma(n: int, p: float) -> float:
    return 4 * np.sqrt(n * p * (1 - p))


def counts(sampled: pd.DataFrame) -> dict[str, int]:
    return sampled["tenant"].value_counts().to_dict()


def test_reruns_pick_the_same_traces_whatever_the_row_order():
    day = facts({"acme": 5000, "globex": 300})
    config = SamplingConfig(rate=0.1, min_per_cohort=0)
    first = sample_cohorts(day, config)
    shuffled = sample_cohorts(day.sample(frac=1, random_state=1), config)
    assert set(first["trace_id"]) == set(shuffled["trace_id"])
    other_salt = sample_cohorts(day, SamplingConfig(rate=0.1, min_per_cohort=0, salt="other"))
    assert set(first["trace_id"]) != set(other_salt["trace_id"])


def test_a_trace_is_in_iff_its_draw_is_below_its_cohort_threshold():
    day = facts({"acme": 2000})
    sampled = sample_cohorts(day, SamplingConfig(rate=0.1, min_per_cohort=0))
    u = pd.Series(trace_uniforms(day["trace_id"], "fi-dagster"), index=day["trace_id"])
    inside = u[sampled["trace_id"]]
    assert inside.max() < u.drop(sampled["trace_id"]).min()


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
    histogram, _ = np.histogram(u, bins=10, range=(0, 1))
    assert np.all(np.abs(histogram - 2000) < four_sigma(20000, 0.1))


def test_sample_size_is_exactly_the_rate_times_the_cohort():
    sampled = sample_cohorts(facts({"acme": 10000}), SamplingConfig(rate=0.2, min_per_cohort=0))
    assert len(sampled) == 2000
    assert np.allclose(sampled["inclusion_prob"], 0.2)
    assert np.allclose(sampled["sample_weight"], 5.0)
    assert (sampled["n_spans"] == 3).all()  # other columns are kept


def test_small_cohorts_get_exactly_min_per_cohort():
    config = SamplingConfig(rate=0.01, min_per_cohort=30)
    sampled = sample_cohorts(facts({"big": 10000, "small": 50, "tiny": 10}), config)
    assert counts(sampled) == {"big": 100, "small": 30, "tiny": 10}
    prob = sampled.groupby("tenant")["inclusion_prob"].first()
    assert prob.to_dict() == pytest.approx({"big": 0.01, "small": 30 / 50, "tiny": 1.0})


def test_large_cohorts_get_exactly_max_per_cohort():
    config = SamplingConfig(rate=0.5, min_per_cohort=0, max_per_cohort=100)
    sampled = sample_cohorts(facts({"big": 10000, "small": 40}), config)
    assert counts(sampled) == {"big": 100, "small": 20}
    assert sampled.loc[sampled["tenant"] == "big", "inclusion_prob"].iloc[0] == 0.01


def test_inclusion_probabilities_match_how_often_traces_are_chosen():
    """Over many salts each trace is chosen with its stated probability, including cohorts
    whose target is fractional (rounded up or down at random, never always down)."""
    day = facts({"mid": 37, "few": 5, "big": 400, "small": 45})
    config = {"rate": 0.1, "min_per_cohort": 0}
    expected = {"mid": 0.1, "few": 0.1, "big": 0.1, "small": 0.1}
    chosen = pd.Series(0, index=day["trace_id"])
    runs = 200
    for salt in range(runs):
        sampled = sample_cohorts(day, SamplingConfig(**config, salt=f"s{salt}"))
        chosen[sampled["trace_id"]] += 1
        stated = sampled.groupby("tenant")["inclusion_prob"].first()
        assert stated.to_dict() == pytest.approx({t: expected[t] for t in stated.index})
    share = chosen.groupby(day.set_index("trace_id")["tenant"]).mean() / runs
    for tenant, size in {"mid": 37, "few": 5, "big": 400, "small": 45}.items():
        assert abs(share[tenant] - 0.1) < 4 * np.sqrt(0.1 * 0.9 / (runs * size)), tenant


def test_errors_are_always_included_with_weight_one_and_count_toward_the_minimum():
    day = facts({"acme": 5000, "small": 60}, error_every=25)
    sampled = sample_cohorts(day, SamplingConfig(rate=0.05, min_per_cohort=30))
    errors = sampled[sampled["has_error"]]
    assert set(errors["trace_id"]) == set(day.loc[day["has_error"], "trace_id"])
    assert (errors["inclusion_prob"] == 1.0).all()
    healthy = sampled[~sampled["has_error"]]
    assert counts(healthy) == {"acme": 240, "small": 27}  # 5% of 4800; 30 minus 3 errors
    unforced = sample_cohorts(
        day, SamplingConfig(rate=0.05, min_per_cohort=0, always_include_errors=False)
    )
    assert unforced["has_error"].sum() < day["has_error"].sum() / 2


def test_daily_trace_cap_is_exact_and_spares_the_minimums_first():
    config = SamplingConfig(rate=0.5, min_per_cohort=30, max_traces_per_day=600)
    sampled = sample_cohorts(facts({"a": 8000, "b": 2000, "c": 40}), config)
    assert 600 - 3 <= len(sampled) <= 600
    assert counts(sampled)["c"] == 30  # its minimum, kept whole
    prob = sampled.groupby("tenant")["inclusion_prob"].first()
    share_above_min = (prob * [8000, 2000, 40] - 30) / ([4000, 1000, 20] - np.array([30, 30, 30]))
    assert share_above_min["a"] == pytest.approx(share_above_min["b"])  # rates shrink alike


def test_daily_judged_item_cap_is_never_exceeded_and_weights_still_estimate_the_day():
    day = facts({"a": 6000, "b": 3000, "c": 500})
    config = SamplingConfig(rate=0.5, min_per_cohort=30, max_judged_items_per_day=4000)
    sampled = sample_cohorts(day, config)
    assert 4000 - 7 <= sampled["judged_items"].sum() <= 4000
    estimate = (sampled["judged_items"] * sampled["sample_weight"]).sum()
    assert estimate == pytest.approx(day["judged_items"].sum(), rel=0.05)


def test_a_cap_below_the_minimums_shrinks_them_and_keeps_errors_first():
    day = facts({"a": 1000, "b": 1000}, error_every=50)  # 40 errors
    config = SamplingConfig(rate=0.5, min_per_cohort=100, max_traces_per_day=100)
    sampled = sample_cohorts(day, config)
    assert len(sampled) <= 100
    assert sampled["has_error"].sum() == 40
    tiny = SamplingConfig(rate=0.5, min_per_cohort=100, max_traces_per_day=10)
    capped = sample_cohorts(day, tiny)
    assert len(capped) <= 10 and capped["has_error"].all()
    assert (capped["inclusion_prob"] < 1).all()  # errors sampled too, with their probability


def test_weights_add_up_to_the_population_of_each_cohort():
    """Exactly when the target is whole; within one trace's weight when it was rounded."""
    day = facts({"big": 20000, "small": 300}, error_every=97)
    sampled = sample_cohorts(day, SamplingConfig(rate=0.1, min_per_cohort=100))
    by_tenant = sampled.groupby("tenant")["sample_weight"].sum()
    assert by_tenant["small"] == pytest.approx(300)  # 3 errors + 97 of 297
    assert abs(by_tenant["big"] - 20000) < 10.0  # 206 errors + 1979.4 of 19794


def test_judged_items_count_llm_spans_and_agent_roots():
    spans = pd.DataFrame(
        {
            "trace_id": ["t1", "t1", "t1", "t1", "t2", "t2"],
            "span_kind": ["AGENT", "LLM", "LLM", "TOOL", "AGENT", "AGENT"],
            "parent_span_id": [None, "a", "a", "a", "", "x"],
        }
    )
    assert judged_items(spans).to_dict() == {"t1": 3, "t2": 1}


def test_empty_input_gives_empty_sample_with_weights():
    out = sample_cohorts(facts({"acme": 1}).iloc[:0], SamplingConfig())
    assert out.empty and {"inclusion_prob", "sample_weight"} <= set(out.columns)
