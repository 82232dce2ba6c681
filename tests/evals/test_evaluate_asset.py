"""The evaluation asset: judge config from YAML, cache in the warehouse, totals in metadata."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from eval_upstream import UPSTREAM
from judge_kit import KEY, priced_by_hand, reported_usage
from servers.openai_server import OpenAIServer
from span_table import PARTITION, SpanTable

from fi_dagster.assets.evaluate import fi_eval_results
from fi_dagster.evals import BUDGET_REASON
from fi_dagster.resources import (
    FiConfigResource,
    JudgeResource,
    ParquetIOManager,
    WarehouseIOManager,
    WarehouseResource,
)


@pytest.fixture
def resources(openai_server: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    config = tmp_path / "fi_dagster.yaml"
    config.write_text("evaluation:\n  judge:\n    max_calls_per_partition: 4\n")
    warehouse = f"sqlite:///{tmp_path / 'warehouse.db'}"
    return {
        "judge": JudgeResource(base_url=openai_server.url + "/v1", model="gpt-4o-mini"),
        "fi_config": FiConfigResource(path=str(config)),
        "warehouse": WarehouseResource(url=warehouse),
        "warehouse_io_manager": WarehouseIOManager(url=warehouse),
        "parquet_io_manager": ParquetIOManager(work_uri=str(tmp_path / "work")),
    }


def materialize(spans: SpanTable, resources: dict) -> dg.MaterializeResult:
    """Through Dagster: upstream Parquet written first, then the sharded evaluation graph."""
    work = resources["parquet_io_manager"].work_uri
    for name, frame in (("normalized_spans", spans.frame()), ("cohort_sample", spans.sample())):
        path = Path(work) / name / f"dt={PARTITION}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
    result = dg.materialize(
        [fi_eval_results, *UPSTREAM], partition_key=PARTITION, resources=resources
    )
    [event] = result.asset_materializations_for_node("fi_eval_results")
    return event


def test_budget_totals_and_cache_reach_the_metadata(
    spans: SpanTable, resources: dict, openai_server: OpenAIServer
) -> None:
    for i in range(3):
        spans.add(f"t{i}", "gen", input_text=f"Question {i}?", output_text=f"Answer {i}.")
    first = materialize(spans, resources)
    assert len(openai_server.requests) == 4
    meta = first.metadata
    assert meta["judge_model"].value == "gpt-4o-mini"
    assert meta["judge_items_judged"].value == 4 and meta["judge_budget_skipped"].value == 2
    assert meta["judge_budget_cap_reached"].value is True
    assert meta["judge_cost_usd"].value > 0 and meta["judge_prompt_tokens"].value > 0

    second = materialize(spans, resources)  # the cap now only covers what was skipped
    assert len(openai_server.requests) == 6
    meta = second.metadata
    assert (meta["judge_items_cached"].value, meta["judge_items_judged"].value) == (4, 2)
    assert meta["judge_budget_cap_reached"].value is False
    third = materialize(spans, resources)
    assert len(openai_server.requests) == 6 and third.metadata["judge_items_cached"].value == 6


def test_a_day_fans_out_into_shards_with_the_same_results(
    spans: SpanTable, resources: dict, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    for i in range(5):
        spans.add(f"t{i}", "gen", input_text=f"Question {i}?", output_text=f"Answer {i}.")
    config = Path(resources["fi_config"].path)
    config.write_text("evaluation:\n  shard_traces: 2\n  judge: {cache: false}\n")
    sharded = materialize(spans, resources)
    assert sharded.metadata["shards"].value == 3  # 5 traces, at most 2 per shard
    wh = resources["warehouse"].warehouse()
    by_shards = wh.read_partition("fi_eval_results", PARTITION)

    config.write_text("evaluation:\n  shard_traces: 100\n  judge: {cache: false}\n")
    whole = materialize(spans, resources)
    assert whole.metadata["shards"].value == 1
    one = wh.read_partition("fi_eval_results", PARTITION)
    key = ["trace_id", "span_id", "evaluator"]
    columns = [*key, "score", "passed", "status"]
    assert len(by_shards) == len(one) == 5 * one["evaluator"].nunique()
    assert (
        by_shards[columns]
        .sort_values(key)
        .reset_index(drop=True)
        .equals(one[columns].sort_values(key).reset_index(drop=True))
    )


def test_yaml_prices_price_a_self_hosted_judge_and_cap_its_spend(
    spans: SpanTable, resources: dict, openai_server: OpenAIServer
) -> None:
    for i in range(4):
        spans.add(f"t{i}", "gen", input_text=f"Question {i}?", output_text=f"Answer {i}.")
    Path(resources["fi_config"].path).write_text(
        "evaluation:\n  judge: {concurrency: 1, max_spend_usd_per_partition: 2.0}\n"
        "prices:\n  - {model: acme-judge-70b, input_per_1m: 1000.0, output_per_1m: 4000.0}\n"
    )
    resources["judge"] = JudgeResource(base_url=openai_server.url + "/v1", model="acme-judge-70b")
    materialize(spans, resources)
    wh = resources["warehouse"].warehouse()
    rows = wh.read_partition("fi_eval_results", PARTITION)
    judged = rows[rows["judge_model"] == "acme-judge-70b"]
    paid, skipped = judged[judged["status"] == "ok"], judged[judged["status"] == "skipped"]
    assert 0 < len(paid) == len(openai_server.requests) < len(judged) == len(paid) + len(skipped)
    assert (skipped["reason"] == BUDGET_REASON).all() and skipped["passed"].isna().all()
    tokens = (paid["judge_prompt_tokens"].sum(), paid["judge_completion_tokens"].sum())
    assert tokens == reported_usage(openai_server)
    assert list(paid["judge_cost_usd"]) == pytest.approx(priced_by_hand(paid, 1000.0, 4000.0))
    assert paid["judge_cost_usd"].sum() <= 2.0
    with wh.engine.connect() as conn:  # the cache records what each verdict was bought for
        cached = conn.execute(sa.text("SELECT cost_usd FROM fi_judgment_cache")).scalars().all()
    assert sorted(cached) == pytest.approx(sorted(paid["judge_cost_usd"]))
