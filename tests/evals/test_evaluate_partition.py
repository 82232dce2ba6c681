"""evaluate_partition: which traces and evaluators run, and the shape of the results."""

from __future__ import annotations

import pandas as pd
from span_table import PARTITION, SpanTable, evaluate, only

from fi_dagster.config import EvaluationConfig, EvaluatorConfig
from fi_dagster.evals import RESULT_COLUMNS, HeuristicJudge, JudgeRequest, JudgeVerdict

DOCS = [{"id": "d1", "content": "The warranty covers batteries for twelve months."}]


def rag(spans: SpanTable, trace_id: str, answer: str, route: str = "support") -> None:
    root = f"{trace_id}-root"
    spans.add(trace_id, root, "CHAIN", route=route)
    spans.add(
        trace_id,
        f"{trace_id}-ret",
        "RETRIEVER",
        parent=root,
        at=1,
        route=route,
        retrieval_documents=DOCS,
    )
    spans.add(trace_id, f"{trace_id}-gen", parent=root, at=2, route=route, output_text=answer)


def test_only_sampled_traces_are_evaluated_with_their_weight(spans: SpanTable) -> None:
    rag(spans, "t1", "The warranty covers batteries for twelve months.")
    rag(spans, "t2", "The warranty covers batteries for twelve months.")
    sample = pd.DataFrame({"trace_id": ["t2", "t-not-in-partition"], "sample_weight": [4.0, 2.0]})
    results = evaluate(spans, sample=sample)
    assert set(results["trace_id"]) == {"t2"}
    assert (results["sample_weight"] == 4.0).all()


def test_rows_carry_the_contract_columns_and_cohort(spans: SpanTable) -> None:
    rag(spans, "t1", "The warranty covers batteries for twelve months.", route="billing")
    results = evaluate(spans)
    assert tuple(results.columns) == RESULT_COLUMNS
    assert not results.duplicated(["trace_id", "span_id", "evaluator"]).any()
    row = only(results, "Groundedness")
    assert (row.partition_date, row.span_name, row.span_kind) == (PARTITION, "llm-t1-gen", "LLM")
    assert (row.model, row.prompt_version, row.route, row.tenant) == (
        "gpt-4o-mini",
        "v1",
        "billing",
        "acme",
    )
    assert not row.cached


def test_disabled_evaluators_and_routes_are_respected(spans: SpanTable) -> None:
    rag(spans, "t1", "Batteries are covered.", route="support")
    rag(spans, "t2", "Batteries are covered.", route="billing")
    config = EvaluationConfig(
        evaluators={
            "SpanError": EvaluatorConfig(enabled=False),
            "Groundedness": EvaluatorConfig(routes=["billing"]),
        }
    )
    results = evaluate(spans, config)
    assert "SpanError" not in set(results["evaluator"])
    assert set(results.loc[results["evaluator"] == "Groundedness", "trace_id"]) == {"t2"}


def test_configured_threshold_decides_passed(spans: SpanTable) -> None:
    rag(spans, "t1", "The warranty covers batteries. Dragons guard the warehouse.")
    strict = EvaluationConfig(evaluators={"Groundedness": EvaluatorConfig(threshold=0.9)})
    assert only(evaluate(spans), "Groundedness").passed is True
    row = only(evaluate(spans, strict), "Groundedness")
    assert row.score == 0.5 and row.passed is False


def test_judge_errors_stay_errors(spans: SpanTable) -> None:
    class BrokenJudge(HeuristicJudge):
        model_name = "broken-judge"

        def judge_many(self, requests: list[JudgeRequest], **_: object) -> list[JudgeVerdict]:
            return [JudgeVerdict.failed("HTTP 503: overloaded", prompt_tokens=7) for _ in requests]

    rag(spans, "t1", "Batteries are covered.")
    row = only(evaluate(spans, judge=BrokenJudge()), "Groundedness")
    assert (row.status, row.passed, row.reason) == ("error", None, "HTTP 503: overloaded")
    assert pd.isna(row.score)
    assert (row.judge_model, row.judge_prompt_tokens) == ("broken-judge", 7)


def test_empty_sample_gives_an_empty_typed_frame(spans: SpanTable) -> None:
    rag(spans, "t1", "Batteries are covered.")
    empty = pd.DataFrame({"trace_id": [], "sample_weight": []})
    results = evaluate(spans, sample=empty)
    assert results.empty and tuple(results.columns) == RESULT_COLUMNS
    assert results["score"].dtype == "float64"


def test_malformed_json_columns_read_as_empty(spans: SpanTable) -> None:
    broken = {"tool_calls": "[{not json", "retrieval_documents": "{}", "tools": "null"}
    spans.add("t1", "root", "CHAIN", status="ERROR", **broken)
    results = evaluate(spans)
    assert list(results["evaluator"]) == ["SpanError"]
    assert only(results, "SpanError").passed is False
