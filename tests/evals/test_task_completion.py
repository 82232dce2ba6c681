"""TaskCompletion with the offline judge: one verdict per agent run."""

from __future__ import annotations

from span_table import SpanTable, evaluate, only

REQUEST = "Where is my order ORD-1234?"


def agent_trace(
    spans: SpanTable,
    *,
    answer: str,
    arguments: str = '{"order_id": "ORD-1234"}',
    tool_status: str = "OK",
) -> SpanTable:
    spans.add("t1", "agent", "AGENT", input_text=REQUEST, output_text=answer)
    spans.add(
        "t1",
        "plan",
        parent="agent",
        at=1,
        tool_calls=[{"id": "c1", "name": "lookup_order", "arguments": arguments}],
    )
    spans.add(
        "t1",
        "tool",
        "TOOL",
        parent="agent",
        at=2,
        name="lookup_order",
        status=tool_status,
        status_message="upstream timeout" if tool_status == "ERROR" else None,
        input_text=arguments,
        output_text='{"status": "shipped"}',
    )
    return spans


def test_successful_run_completes_the_task(spans: SpanTable) -> None:
    agent_trace(spans, answer="Order ORD-1234 shipped yesterday.")
    row = only(evaluate(spans), "TaskCompletion")
    assert row.span_id == "agent" and row.span_kind == "AGENT"
    assert (row.score, row.passed) == (1.0, True)
    assert row.reason == "all 4 checks passed"


def test_failed_tool_and_refusal_fail_the_task(spans: SpanTable) -> None:
    agent_trace(spans, answer="I'm sorry, I couldn't complete that.", tool_status="ERROR")
    row = only(evaluate(spans), "TaskCompletion")
    assert row.score == 0.25 and row.passed is False
    assert "no ERROR span" in row.reason and "final answer given" in row.reason
    assert "lookup_order [TOOL]: upstream timeout" in row.reason


def test_unparseable_tool_arguments_count_against_the_run(spans: SpanTable) -> None:
    agent_trace(spans, answer="Order ORD-1234 shipped.", arguments='{"order_id": ORD-1234')
    row = only(evaluate(spans), "TaskCompletion")
    assert row.score == 0.75 and "tool arguments parsed" in row.reason


def test_answer_must_mention_the_requested_identifier(spans: SpanTable) -> None:
    agent_trace(spans, answer="Your package is on its way.")
    row = only(evaluate(spans), "TaskCompletion")
    assert row.score == 0.75 and "identifier" in row.reason


def test_only_agent_roots_are_judged(spans: SpanTable) -> None:
    spans.add("t1", "root", "CHAIN", input_text=REQUEST, output_text="ORD-1234 shipped.")
    spans.add("t1", "sub", "AGENT", parent="root", at=1, input_text=REQUEST, output_text="x")
    results = evaluate(spans)
    assert results[results["evaluator"] == "TaskCompletion"].empty


def test_agent_without_captured_request_is_skipped(spans: SpanTable) -> None:
    spans.add("t1", "agent", "AGENT")
    row = only(evaluate(spans), "TaskCompletion")
    assert row.status == "skipped" and "request was not captured" in row.reason
