"""The deterministic extras: EmptyOutput, Refusal, PIIInOutput and LatencySLO."""

from __future__ import annotations

from span_table import SpanTable, evaluate, only

from fi_dagster.config import EvaluationConfig, EvaluatorConfig

ASK = "Where is my order ORD-1?"
OPTED_IN = EvaluationConfig(
    evaluators={"EmptyOutput": EvaluatorConfig(), "PIIInOutput": EvaluatorConfig()}
)


def test_empty_output_fails_and_any_output_passes(spans: SpanTable) -> None:
    calls = [{"id": "c1", "name": "lookup", "arguments": "{}"}]
    spans.add("t1", "blank", input_text=ASK, output_text="   ")
    spans.add("t1", "text", at=1, input_text=ASK, output_text="It ships today.")
    spans.add("t1", "tool-step", at=2, input_text=ASK, tool_calls=calls)
    results = evaluate(spans, OPTED_IN)
    blank = only(results, "EmptyOutput", "blank")
    assert (blank.score, blank.passed) == (0.0, False) and "returned no text" in blank.reason
    assert only(results, "EmptyOutput", "text").passed is True
    assert only(results, "EmptyOutput", "tool-step").passed is True


def test_empty_output_needs_captured_content_and_ignores_failed_calls(spans: SpanTable) -> None:
    spans.add("t1", "no-content")
    spans.add("t1", "failed", at=1, status="ERROR", input_text=ASK)
    row = only(evaluate(spans, OPTED_IN), "EmptyOutput")
    assert (row.span_id, row.status) == ("no-content", "skipped")
    assert "not captured" in row.reason


def test_refusals_fail_and_answers_pass(spans: SpanTable) -> None:
    spans.add(
        "t1", "refused", input_text=ASK, output_text="I\u2019m sorry, I can't help with that."
    )
    spans.add("t1", "ai", at=1, input_text=ASK, output_text="As an AI, I do not track parcels.")
    spans.add("t1", "fine", at=2, input_text=ASK,
              output_text="If you are unable to log in, reset your password.")  # fmt: skip
    results = evaluate(spans)
    refused = only(results, "Refusal", "refused")
    assert (refused.score, refused.passed) == (0.0, False) and "i'm sorry" in refused.reason
    assert only(results, "Refusal", "ai").passed is False
    assert only(results, "Refusal", "fine").passed is True


def test_pii_in_an_answer_fails_without_repeating_it(spans: SpanTable) -> None:
    leaky = "Contact jane.doe@example.com or +1 415 555 0100; card 4111 1111 1111 1111."
    spans.add("t1", "leaky", input_text=ASK, output_text=leaky)
    spans.add("t1", "json", at=1, input_text=ASK, output_text='{"email": "ops@example.org"}')
    spans.add("t1", "clean", at=2, input_text=ASK, output_text="Order ORD-1 ships 2024-06-02.")
    results = evaluate(spans, OPTED_IN)
    row = only(results, "PIIInOutput", "leaky")
    assert (row.score, row.passed) == (0.0, False)
    assert row.reason == "found 1 card number, 1 email address, 1 phone number"
    assert "jane" not in row.reason and "4111" not in row.reason
    assert only(results, "PIIInOutput", "json").passed is False  # JSON answers are checked too
    assert only(results, "PIIInOutput", "clean").passed is True


def test_latency_slo_judges_the_root_span_per_route(spans: SpanTable) -> None:
    spans.add("fast", "r1", "CHAIN", latency_ms=800.0)
    spans.add("slow", "r2", "CHAIN", latency_ms=2500.0)
    spans.add("bulk", "r3", "CHAIN", latency_ms=2500.0, route="batch")
    spans.add("lost", "r4", "CHAIN")
    config = EvaluationConfig(latency_slo_ms=2000, latency_slo_ms_by_route={"batch": 10_000})
    results = evaluate(spans, config)
    assert only(results, "LatencySLO", "r1").passed is True
    slow = only(results, "LatencySLO", "r2")
    assert (slow.score, slow.passed) == (0.0, False)
    assert slow.reason == "2,500 ms exceeds the 2,000 ms SLO by 500 ms"
    assert only(results, "LatencySLO", "r3").passed is True
    assert only(results, "LatencySLO", "r4").status == "skipped"


def test_latency_slo_does_not_run_without_an_objective(spans: SpanTable) -> None:
    spans.add("t1", "r1", "CHAIN", latency_ms=99_999.0)
    assert "LatencySLO" not in set(evaluate(spans)["evaluator"])


def test_rare_event_checks_run_only_when_configured(spans: SpanTable) -> None:
    spans.add("t1", "gen", input_text=ASK, output_text="Mail jane@example.com.")
    assert {"EmptyOutput", "PIIInOutput"}.isdisjoint(evaluate(spans)["evaluator"])
    assert only(evaluate(spans, OPTED_IN), "PIIInOutput").passed is False
