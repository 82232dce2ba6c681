"""Groundedness with the offline judge: answers checked against the trace's documents."""

from __future__ import annotations

from span_table import SpanTable, evaluate, only

DOCS = [
    {"id": "kb-1", "content": "Refunds are issued within fourteen days of receiving the return."},
    {"id": "kb-2", "content": "Returned items must be unused and shipped in original packaging."},
]
QUESTION = [{"role": "user", "content": "How do refunds work?"}]


def rag_trace(spans: SpanTable, answer: str, trace_id: str = "t1") -> SpanTable:
    spans.add(trace_id, "root", "CHAIN", name="rag")
    spans.add(trace_id, "ret", "RETRIEVER", parent="root", at=1, retrieval_documents=DOCS)
    spans.add(
        trace_id,
        "gen",
        parent="root",
        at=2,
        input_messages=QUESTION,
        output_messages=[{"role": "assistant", "content": answer}],
    )
    return spans


def test_answer_restating_the_documents_is_grounded(spans: SpanTable) -> None:
    answer = "Refunds are issued within fourteen days of receiving the return."
    row = only(evaluate(rag_trace(spans, answer)), "Groundedness", "gen")
    assert (row.score, row.passed, row.status) == (1.0, True, "ok")
    assert row.judge_model == "heuristic-v1"
    assert (row.judge_prompt_tokens, row.judge_completion_tokens, row.judge_cost_usd) == (0, 0, 0)


def test_hallucinated_answer_is_not_grounded(spans: SpanTable) -> None:
    answer = (
        "Premium members receive instant cashback vouchers. Shipping labels cost twelve dollars."
    )
    row = only(evaluate(rag_trace(spans, answer)), "Groundedness", "gen")
    assert (row.score, row.passed) == (0.0, False)
    assert "0/2 sentences supported" in row.reason and "cashback vouchers" in row.reason


def test_score_is_the_share_of_supported_sentences(spans: SpanTable) -> None:
    answer = (
        "Returned items must be unused and in original packaging. "
        "Premium members receive instant cashback vouchers."
    )
    row = only(evaluate(rag_trace(spans, answer)), "Groundedness", "gen")
    assert row.score == 0.5 and "1/2 sentences supported" in row.reason


def test_llm_step_before_retrieval_is_not_judged(spans: SpanTable) -> None:
    rag_trace(spans, "Refunds are issued within fourteen days.")
    spans.add("t1", "rewrite", parent="root", at=0.5, output_text="refund policy query")
    results = evaluate(spans)
    assert set(results[results["evaluator"] == "Groundedness"]["span_id"]) == {"gen"}


def test_trace_without_retrieval_gets_no_row(spans: SpanTable) -> None:
    spans.add("t1", "gen", output_text="Anything at all.")
    results = evaluate(spans)
    assert results[results["evaluator"] == "Groundedness"].empty


def test_uncaptured_output_is_skipped_with_a_reason(spans: SpanTable) -> None:
    spans.add("t1", "root", "CHAIN")
    spans.add("t1", "ret", "RETRIEVER", parent="root", at=1, retrieval_documents=DOCS)
    spans.add("t1", "gen", parent="root", at=2)  # content capture off: no input, no output
    row = only(evaluate(spans), "Groundedness", "gen")
    assert row.status == "skipped" and row.passed is None and row.judge_model is None
    assert "not captured" in row.reason


def test_failed_llm_call_is_left_to_span_error(spans: SpanTable) -> None:
    spans.add("t1", "root", "CHAIN")
    spans.add("t1", "ret", "RETRIEVER", parent="root", at=1, retrieval_documents=DOCS)
    spans.add("t1", "gen", parent="root", at=2, status="ERROR", status_message="HTTP 529")
    results = evaluate(spans)
    assert results[results["evaluator"] == "Groundedness"].empty
    assert only(results, "SpanError").passed is False


def test_retrieval_without_documents_is_skipped(spans: SpanTable) -> None:
    spans.add("t1", "ret", "RETRIEVER", retrieval_documents=[])
    spans.add("t1", "gen", at=1, output_text="Refunds take fourteen days.")
    row = only(evaluate(spans), "Groundedness", "gen")
    assert row.status == "skipped" and "no documents" in row.reason
