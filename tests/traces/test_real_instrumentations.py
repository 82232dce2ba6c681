"""Files written by real instrumentation packages ingest to what the instrumented calls produced.

The committed fixtures come from ``tests/fixtures/instrumentations/regenerate.py``: the real
``openai`` client, instrumented by OpenInference, traceAI or the OTel GenAI instrumentation,
called against a loopback server and exported by ``opentelemetry-exporter-otlp-json-file``.
Each ``.expected.json`` records what the client itself saw (usage, models, errors).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from otlp_lines import Day

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "instrumentations"
CONVENTION = {
    "openinference": "openinference",
    "traceai": "traceai",
    "otel_genai": "otel_genai",
    "otel_genai_content": "otel_genai",
}
# What each instrumentation records beyond prompt / completion / total tokens.
RECORDS_TOKEN_DETAILS = {"openinference"}
RECORDS_CONTENT = {"openinference", "traceai", "otel_genai_content"}


def ingest_fixture(tmp_path: Path, name: str) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text())
    day = Day(tmp_path, day=expected["date"])
    day.write(f"{name}.jsonl", (FIXTURES / f"{name}.jsonl").read_bytes())
    result, spans = day.ingest()
    return expected, spans, result.stats


@pytest.mark.parametrize("name", sorted(CONVENTION))
def test_spans_kinds_models_and_errors_match_the_calls(tmp_path, name):
    expected, spans, stats = ingest_fixture(tmp_path, name)
    assert len(spans) == expected["spans"]
    assert dict(Counter(spans["span_kind"])) == expected["span_kinds"]
    assert sorted(spans["span_model"].unique()) == expected["models"]
    assert int((spans["status"] == "ERROR").sum()) == expected["errors"]
    assert list(stats["convention"]) == [CONVENTION[name]]
    assert int(stats[["bad_lines", "bad_spans", "wrong_type_values"]].sum().sum()) == 0


@pytest.mark.parametrize("name", sorted(CONVENTION))
def test_reported_token_totals_match_the_usage_the_client_saw(tmp_path, name):
    expected, spans, _ = ingest_fixture(tmp_path, name)
    reported = spans[~spans["tokens_estimated"]]
    totals = expected["token_totals"]
    for column in ("prompt_tokens", "completion_tokens", "total_tokens"):
        assert int(reported[column].sum()) == totals[column], column
    for column in ("cached_prompt_tokens", "reasoning_tokens"):
        recorded = reported[column].sum() if name in RECORDS_TOKEN_DETAILS else 0
        assert recorded == (totals[column] if name in RECORDS_TOKEN_DETAILS else 0), column


@pytest.mark.parametrize("name", sorted(CONVENTION))
def test_only_calls_without_usage_get_estimates_and_never_failed_ones(tmp_path, name):
    expected, spans, _ = ingest_fixture(tmp_path, name)
    no_usage = [c for c in expected["calls"] if not c["usage"]]
    assert int(spans["prompt_tokens"].isna().sum()) + int(spans["tokens_estimated"].sum()) == len(
        no_usage
    )
    estimated = spans[spans["tokens_estimated"]]
    succeeded_without_usage = [c for c in no_usage if not c["error"]]
    assert len(estimated) == (len(succeeded_without_usage) if name in RECORDS_CONTENT else 0)
    assert (estimated["prompt_tokens"] > 0).all() and (estimated["completion_tokens"] > 0).all()
    assert spans.loc[spans["status"] == "ERROR", "prompt_tokens"].isna().all()


@pytest.mark.parametrize("name", sorted(RECORDS_CONTENT))
def test_tool_calls_and_json_mode_are_mapped(tmp_path, name):
    _, spans, _ = ingest_fixture(tmp_path, name)
    calls = [
        [{**call, "arguments": json.loads(call["arguments"])} for call in json.loads(text)]
        for text in spans["tool_calls"].dropna()
    ]
    weather = {"id": "call_weather_1", "name": "get_weather", "arguments": {"city": "Paris"}}
    assert calls == [[weather]]
    formats = [json.loads(f) for f in spans["response_format"].dropna()]
    assert formats == [{"type": "json_object"}]
    asked = spans["input_messages"].dropna().map(json.loads)
    assert any(
        m[-1] == {"role": "user", "content": "What is the capital of France?"} for m in asked
    )


def test_content_free_genai_spans_keep_no_text_but_all_counts(tmp_path):
    _, spans, _ = ingest_fixture(tmp_path, "otel_genai")
    assert spans[["input_text", "output_text", "input_messages"]].isna().all().all()
    assert spans["response_format"].dropna().map(json.loads).tolist() == [{"type": "json_object"}]


def test_cohorts_come_from_resource_and_context_attributes(tmp_path):
    _, spans, _ = ingest_fixture(tmp_path, "openinference")
    assert set(spans["tenant"]) == {"acme"}  # resource attribute tenant.id
    assert set(spans["prompt_version"]) == {"v3"}  # openinference using_attributes
    assert set(spans["session_id"]) == {"session-fixture"}
    assert set(spans["user_id"]) == {"user-fixture"}
