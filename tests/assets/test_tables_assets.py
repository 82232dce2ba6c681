"""The daily table assets through Dagster: one partition materialized with `dg.materialize`,
its rows in the warehouse, and the metadata the UI plots equal to independent computations."""

import csv
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from fi_dagster.assets import cohort_sample, fi_eval_results, normalized_spans, trace_facts
from fi_dagster.assets.tables import fi_cost_daily, fi_latency_daily, fi_quality_daily
from fi_dagster.definitions import default_resources
from fi_dagster.resources import (
    FiConfigResource,
    ParquetIOManager,
    WarehouseIOManager,
    WarehouseResource,
)
from fi_dagster.stats.prices import PRICES_CSV
from fi_dagster.warehouse import Warehouse

DAY = "2025-06-01"
TABLES = [fi_quality_daily, fi_cost_daily, fi_latency_daily]


def mini_rates() -> dict[str, float]:
    """gpt-4o-mini's list price on DAY, read from the CSV without the code under test."""
    lines = [ln for ln in Path(PRICES_CSV).read_text().splitlines() if not ln.startswith("#")]
    rows = [r for r in csv.DictReader(lines) if r["model"] == "gpt-4o-mini"]
    row = max((r for r in rows if r["effective_from"] <= DAY), key=lambda r: r["effective_from"])
    return {k: float(row[f"{k}_per_1m_usd"]) for k in ("input", "output", "cached_input")}


def span_row(trace: int, name: str, kind: str, model, latency_ms: float, **tokens) -> dict:
    return {
        "trace_id": f"t{trace:02d}",
        "span_id": f"t{trace:02d}-{name}",
        "parent_span_id": None if kind == "CHAIN" else f"t{trace:02d}-root",
        "name": name,
        "span_kind": kind,
        "span_model": model,
        "latency_ms": latency_ms,
        "status": "ERROR" if trace == 7 and kind == "LLM" else "OK",
        "model": "gpt-4o-mini",
        "tenant": "acme" if trace % 3 else "globex",
        "route": "/chat",
        **tokens,
    }


def day_of_spans(traces: int = 40, seed: int = 5) -> pd.DataFrame:
    """Each trace: a root, a gpt-4o-mini call with cached tokens, and a call to in-house-7b
    (priced by the config) or, every fifth trace, to mystery-model (priced nowhere)."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(traces):
        other = "mystery-model" if t % 5 == 0 else "in-house-7b"
        rows += [
            span_row(t, "root", "CHAIN", None, 900 + rng.gamma(2, 300)),
            span_row(
                t,
                "answer",
                "LLM",
                "gpt-4o-mini",
                rng.gamma(2, 200),
                prompt_tokens=1000 + t,
                completion_tokens=100 + t,
                cached_prompt_tokens=400,
                reasoning_tokens=0,
            ),
            span_row(
                t,
                "check",
                "LLM",
                other,
                rng.gamma(2, 200),
                prompt_tokens=300,
                completion_tokens=30,
                cached_prompt_tokens=0,
                reasoning_tokens=0,
            ),
        ]
    return pd.DataFrame(rows).assign(partition_date=DAY, prompt_version="v1")


def eval_results(spans: pd.DataFrame) -> pd.DataFrame:
    """A Groundedness verdict per gpt-4o-mini call: acme (passes more) weighted 4, globex 1."""
    calls = spans[spans["span_model"] == "gpt-4o-mini"].reset_index(drop=True)
    n = len(calls)
    status = np.where(np.arange(n) % 13 == 0, "error", "ok")
    good = np.where(calls["tenant"] == "acme", np.arange(n) % 4 != 0, np.arange(n) % 2 == 0)
    passed = np.where(status == "ok", good, None)
    return pd.DataFrame(
        {
            "trace_id": calls["trace_id"],
            "span_id": calls["span_id"],
            "span_name": calls["name"],
            "span_kind": "LLM",
            "evaluator": "Groundedness",
            "score": np.where(status == "ok", passed.astype(float), np.nan),
            "passed": passed,
            "status": status,
            "reason": "",
            "judge_model": "gpt-4o-mini",
            "judge_prompt_tokens": 2000,
            "judge_completion_tokens": 50,
            "cached": False,
            "sample_weight": np.where(calls["tenant"] == "acme", 4.0, 1.0),
            **{c: calls[c] for c in ("model", "prompt_version", "route", "tenant")},
        }
    )


def values_of(result: dg.ExecuteInProcessResult, asset: dg.AssetsDefinition) -> dict:
    [event] = result.asset_materializations_for_node(asset.key.path[-1])
    return {key: value.value for key, value in event.metadata.items()}


@pytest.fixture(scope="module")
def materialized(tmp_path_factory):
    """One materialization of the three tables, shared by the tests of this module."""
    tmp_path = tmp_path_factory.mktemp("tables")
    spans = day_of_spans()
    results = eval_results(spans)
    work = ParquetIOManager(work_uri=str(tmp_path / "work"))
    context = dg.build_output_context(asset_key=dg.AssetKey("normalized_spans"), partition_key=DAY)
    work.handle_output(context, spans)
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    Warehouse(url).replace_partition("fi_eval_results", DAY, results)
    config = tmp_path / "fi_dagster.yaml"
    config.write_text("prices:\n  - {model: in-house-7b, input_per_1m: 1.0, output_per_1m: 10.0}\n")
    resources = {
        **default_resources(),
        "parquet_io_manager": work,
        "warehouse_io_manager": WarehouseIOManager(url=url),
        "warehouse": WarehouseResource(url=url),
        "fi_config": FiConfigResource(path=str(config)),
    }
    result = dg.materialize(
        [normalized_spans, trace_facts, cohort_sample, fi_eval_results, *TABLES],
        selection=TABLES,
        partition_key=DAY,
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    metadata = {asset.key.path[-1]: values_of(result, asset) for asset in TABLES}
    return spans, results, metadata, Warehouse(url)


def test_quality_metadata_is_the_weighted_pass_rate(materialized):
    _, results, metadata, _ = materialized
    ok = results[results["status"] == "ok"]
    expected = np.average(ok["passed"].astype(float), weights=ok["sample_weight"])
    quality = metadata["fi_quality_daily"]
    assert quality["pass_rate"] == pytest.approx(expected)
    assert quality["pass_rate/Groundedness"] == pytest.approx(expected)
    assert quality["pass_rate"] != pytest.approx(ok["passed"].astype(float).mean())  # weighted
    assert (quality["results"], quality["eval_errors"]) == (len(results), 4)
    assert "| Groundedness |" in quality["preview"]


def test_cost_metadata_is_the_hand_computed_day(materialized):
    spans, results, metadata, warehouse = materialized
    rates = mini_rates()
    mini = spans[spans["span_model"] == "gpt-4o-mini"]
    in_house = spans[spans["span_model"] == "in-house-7b"]
    expected = (
        (mini["prompt_tokens"] - mini["cached_prompt_tokens"]).sum() * rates["input"]
        + mini["cached_prompt_tokens"].sum() * rates["cached_input"]
        + mini["completion_tokens"].sum() * rates["output"]
        + in_house["prompt_tokens"].sum() * 1.0  # the config's price
        + in_house["completion_tokens"].sum() * 10.0
    ) / 1e6
    cost = metadata["fi_cost_daily"]
    assert cost["cost_usd"] == pytest.approx(expected)
    assert cost["unpriced_calls"] == (spans["span_model"] == "mystery-model").sum() == 8
    assert (cost["llm_calls"], cost["traces"]) == (80, 40)
    judge = len(results) * (2000 * rates["input"] + 50 * rates["output"]) / 1e6
    assert cost["judge_cost_usd"] == pytest.approx(judge)
    assert cost["cost_per_trace_p50"] > 0 and isinstance(cost["cost_per_trace_p95"], float)
    stored = warehouse.read_partition("fi_cost_daily", DAY)
    day = stored[(stored[["model", "tenant", "route"]] == "*").all(axis=1)]
    assert len(day) == 1 and not day["price_known"].iloc[0]


def test_latency_metadata_is_the_exact_p99(materialized):
    spans, _, metadata, warehouse = materialized
    latency = metadata["fi_latency_daily"]
    roots = spans.loc[spans["parent_span_id"].isna(), "latency_ms"]
    llm = spans.loc[spans["span_kind"] == "LLM", "latency_ms"]
    assert latency["request_p99_ms"] == pytest.approx(np.percentile(roots, 99))
    assert latency["llm_p99_ms"] == pytest.approx(np.percentile(llm, 99))
    assert latency["spans"] == len(spans)
    assert latency["error_rate"] == pytest.approx((spans["status"] == "ERROR").mean())
    stored = warehouse.read_partition("fi_latency_daily", DAY)
    assert latency["max_p99_ms"] == pytest.approx(stored["p99_ms"].max())


def test_every_plotted_value_is_a_number(materialized):
    _, _, metadata, _ = materialized
    for asset, values in metadata.items():
        plotted = {k: v for k, v in values.items() if k not in ("preview", "table", "path")}
        assert all(isinstance(v, int | float) for v in plotted.values()), (asset, plotted)
