"""The daily latency table: exact percentiles per span kind × name × model."""

import time

import numpy as np
import pandas as pd
import pytest

from fi_dagster.stats.latency import latency_daily, latency_headline


def spans(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "span_kind": rng.choice(["LLM", "TOOL", "CHAIN"], n),
            "name": rng.choice(["chat", "search", "agent", "retrieve"], n),
            "span_model": rng.choice(["gpt-4o", "claude-3-5-haiku", None], n),
            "latency_ms": rng.lognormal(5, 1, n),
            "status": rng.choice(["OK", "ERROR", "UNSET"], n, p=[0.9, 0.07, 0.03]),
        }
    )
    frame.loc[rng.random(n) < 0.01, "latency_ms"] = np.nan
    return frame


def test_percentiles_match_numpy_per_group():
    day = spans(20000)
    table = latency_daily(day)
    expected = day.assign(model=day["span_model"].fillna("")).groupby(
        ["span_kind", "name", "model"]
    )
    assert len(table) == expected.ngroups
    for (kind, name, model), group in expected:
        row = table[
            (table["span_kind"] == kind) & (table["span_name"] == name) & (table["model"] == model)
        ].iloc[0]
        timed = group["latency_ms"].dropna().to_numpy()
        assert row["n"] == len(group)
        assert row[["p50_ms", "p95_ms", "p99_ms", "max_ms"]].to_numpy(dtype=float) == (
            pytest.approx(np.percentile(timed, [50, 95, 99, 100]), rel=1e-12)
        )
        assert row["error_rate"] == pytest.approx((group["status"] == "ERROR").mean())


def test_small_groups_interpolate_like_numpy():
    day = pd.DataFrame(
        {
            "span_kind": "TOOL",
            "name": ["a", "a", "b", "c", "c", "c"],
            "span_model": None,
            "latency_ms": [10.0, 30.0, 7.0, 1.0, 100.0, 2.0],
            "status": ["OK", "ERROR", "OK", "OK", "OK", "OK"],
        }
    )
    table = latency_daily(day).set_index("span_name")
    assert table.loc["a", "p50_ms"] == 20.0 and table.loc["a", "error_rate"] == 0.5
    assert table.loc["b", "p99_ms"] == 7.0
    assert table.loc["c", "p95_ms"] == pytest.approx(np.percentile([1.0, 100.0, 2.0], 95))
    assert (table["model"] == "").all()


def test_a_million_spans_take_seconds_not_minutes():
    day = spans(1_000_000, seed=1)
    started = time.perf_counter()
    table = latency_daily(day)
    assert time.perf_counter() - started < 10.0  # ~0.5 s unloaded; a per-row loop takes minutes
    assert table["n"].sum() == 1_000_000


def test_empty_input_gives_the_columns():
    table = latency_daily(spans(10).iloc[:0])
    assert table.empty and {"p99_ms", "error_rate", "span_name"} <= set(table.columns)


def test_headline_is_the_exact_p99_of_requests_and_of_llm_calls():
    day = spans(5000, seed=4)
    day["parent_span_id"] = np.where(np.arange(len(day)) % 5 == 0, None, "root")
    headline = latency_headline(day)
    roots = day.loc[day["parent_span_id"].isna(), "latency_ms"].dropna()
    llm = day.loc[day["span_kind"] == "LLM", "latency_ms"].dropna()
    assert headline.request_p99_ms == pytest.approx(np.percentile(roots, 99))
    assert headline.llm_p99_ms == pytest.approx(np.percentile(llm, 99))
    empty = latency_headline(day.iloc[:0])
    assert np.isnan(empty.request_p99_ms) and np.isnan(empty.llm_p99_ms)
