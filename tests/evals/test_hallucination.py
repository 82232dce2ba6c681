"""HallucinationScore with the offline judge: invented specifics are caught, given ones pass."""

from __future__ import annotations

from span_table import SpanTable, evaluate, only

SYSTEM = "Answer from the tool result. Tool result: order ORD-4411 shipped with DHL on 2024-05-30."


def answered(spans: SpanTable, answer: str, *, system: str = SYSTEM, **columns) -> SpanTable:
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": "Where is my order ORD-4411?"},
    ]
    spans.add("t1", "gen", input_messages=messages, output_text=answer, **columns)
    return spans


def test_answer_using_only_given_details_does_not_hallucinate(spans: SpanTable) -> None:
    row = only(
        evaluate(answered(spans, "Order ORD-4411 shipped with DHL on May 30.")),
        "HallucinationScore",
    )
    assert (row.score, row.passed, row.status) == (1.0, True, "ok")
    assert row.judge_model == "heuristic-v1" and "1/1 sentences" in row.reason


def test_invented_names_and_numbers_are_hallucinations(spans: SpanTable) -> None:
    answer = "Order ORD-4411 shipped with FedEx. A refund of 250 euros was issued in Lisbon."
    row = only(evaluate(answered(spans, answer)), "HallucinationScore")
    assert (row.score, row.passed) == (0.0, False)
    assert "fedex" in row.reason and "lisbon" in row.reason and "250" in row.reason


def test_score_is_the_share_of_clean_sentences(spans: SpanTable) -> None:
    answer = "Your order ORD-4411 is with DHL. Stratacom will deliver it on 2024-06-02."
    row = only(evaluate(answered(spans, answer)), "HallucinationScore")
    assert row.score == 0.5 and "2024-06-02" in row.reason


def test_retrieved_documents_count_as_context(spans: SpanTable) -> None:
    docs = [{"id": "d", "content": "Premium plans include the Aurora backup vault."}]
    spans.add("t1", "root", "CHAIN")
    spans.add("t1", "ret", "RETRIEVER", parent="root", at=1, retrieval_documents=docs)
    spans.add("t1", "gen", parent="root", at=2, input_text="What backup do I get?",
              output_text="Premium plans include the Aurora vault.")  # fmt: skip
    assert only(evaluate(spans), "HallucinationScore", "gen").score == 1.0


def test_tool_call_steps_and_json_outputs_are_not_judged(spans: SpanTable) -> None:
    calls = [{"id": "c1", "name": "lookup", "arguments": "{}"}]
    spans.add("t1", "step", input_text="Where is ORD-1?", tool_calls=calls)
    spans.add("t1", "json", at=1, input_text="Extract", output_text='{"order": "ORD-1"}')
    results = evaluate(spans)
    assert "HallucinationScore" not in set(results["evaluator"])


def test_uncaptured_output_is_skipped_and_failed_calls_are_left_to_span_error(
    spans: SpanTable,
) -> None:
    spans.add("t1", "quiet", input_text="Where is ORD-1?")
    spans.add("t1", "failed", at=1, status="ERROR", input_text="Where is ORD-1?")
    rows = evaluate(spans)
    row = only(rows, "HallucinationScore")
    assert (row.span_id, row.status, row.reason) == (
        "quiet",
        "skipped",
        "output content was not captured",
    )
    assert row.passed is None


def test_answer_without_any_input_or_context_is_skipped(spans: SpanTable) -> None:
    spans.add("t1", "gen", output_text="Paris is the capital of France.")
    row = only(evaluate(spans), "HallucinationScore")
    assert row.status == "skipped" and "neither the input nor any context" in row.reason
