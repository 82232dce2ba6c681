"""The evaluation asset: judge config from YAML, cache in the warehouse, totals in metadata."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from judge_kit import KEY
from servers.openai_server import OpenAIServer
from span_table import PARTITION, SpanTable

from fi_dagster.assets.evaluate import fi_eval_results
from fi_dagster.resources import FiConfigResource, JudgeResource, WarehouseResource


@pytest.fixture
def resources(openai_server: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    config = tmp_path / "fi_dagster.yaml"
    config.write_text("evaluation:\n  judge:\n    max_calls_per_partition: 4\n")
    return {
        "judge": JudgeResource(base_url=openai_server.url + "/v1", model="gpt-4o-mini"),
        "fi_config": FiConfigResource(path=str(config)),
        "warehouse": WarehouseResource(url=f"sqlite:///{tmp_path / 'warehouse.db'}"),
    }


def materialize(spans: SpanTable, resources: dict) -> dg.Output:
    context = dg.build_asset_context(partition_key=PARTITION)
    return fi_eval_results(
        context=context,
        normalized_spans=spans.frame(),
        cohort_sample=spans.sample(),
        **resources,
    )


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
