"""JSONValidation: structured outputs and tool arguments are the JSON they promise."""

from __future__ import annotations

import json
import math

from span_table import SpanTable, evaluate, only

from fi_dagster.config import EvaluationConfig, JsonSchemaRule

INVOICE_SCHEMA = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["amount"],
                "properties": {"amount": {"type": "number"}},
            },
        }
    },
}
DECLARED = {"type": "json_schema", "json_schema": {"name": "invoice", "schema": INVOICE_SCHEMA}}
LOOKUP_TOOL = {
    "type": "function",
    "function": {
        "name": "lookup_order",
        "parameters": {
            "type": "object",
            "required": ["order_id"],
            "properties": {"order_id": {"type": "string"}},
        },
    },
}


def assistant(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def call(arguments: str) -> list[dict[str, str]]:
    return [{"id": "call_1", "name": "lookup_order", "arguments": arguments}]


class TestDeclaredSchema:
    def test_output_matching_the_declared_schema_passes(self, spans: SpanTable) -> None:
        output = json.dumps({"items": [{"amount": 12.5}]})
        spans.add("t1", "s1", response_format=DECLARED, output_messages=assistant(output))
        row = only(evaluate(spans), "JSONValidation", "s1")
        assert (row.score, row.passed, row.status) == (1.0, True, "ok")
        assert row.judge_model is None

    def test_violation_is_reported_by_json_path(self, spans: SpanTable) -> None:
        output = json.dumps({"items": [{"amount": 3}, {"amount": "x"}]})
        spans.add("t1", "s1", response_format=DECLARED, output_messages=assistant(output))
        row = only(evaluate(spans), "JSONValidation", "s1")
        assert (row.score, row.passed) == (0.0, False)
        assert "$.items[1].amount: 'x' is not of type 'number'" in row.reason

    def test_an_invalid_declared_schema_is_an_error_not_a_failure(self, spans: SpanTable) -> None:
        broken = {"type": "json_schema", "json_schema": {"schema": {"type": "no-such-type"}}}
        spans.add("t1", "s1", response_format=broken, output_text="{}")
        row = only(evaluate(spans), "JSONValidation", "s1")
        assert row.status == "error" and math.isnan(row.score) and row.passed is None
        assert "schema is invalid" in row.reason


class TestJsonObjectWithoutSchema:
    def test_any_json_passes(self, spans: SpanTable) -> None:
        spans.add("t1", "s1", response_format={"type": "json_object"}, output_text='{"ok": 1}')
        assert only(evaluate(spans), "JSONValidation", "s1").passed is True

    def test_unparseable_output_names_the_position(self, spans: SpanTable) -> None:
        spans.add("t1", "s1", response_format={"type": "json_object"}, output_text='{"a": 1,}')
        row = only(evaluate(spans), "JSONValidation", "s1")
        assert row.passed is False
        assert "output: invalid JSON at line 1 column 9 (char 8)" in row.reason

    def test_spans_that_did_not_ask_for_json_get_no_row(self, spans: SpanTable) -> None:
        spans.add("t1", "s1", output_text="plain prose", response_format={"type": "text"})
        results = evaluate(spans)
        assert results[results["evaluator"] == "JSONValidation"].empty


class TestToolArguments:
    def test_arguments_matching_the_tool_schema_pass(self, spans: SpanTable) -> None:
        spans.add("t1", "s1", tools=[LOOKUP_TOOL], tool_calls=call('{"order_id": "A-1"}'))
        row = only(evaluate(spans), "JSONValidation", "s1")
        assert row.passed is True and "tool lookup_order arguments" in row.reason

    def test_arguments_violating_the_tool_schema_fail(self, spans: SpanTable) -> None:
        spans.add("t1", "s1", tools=[LOOKUP_TOOL], tool_calls=call('{"order_id": 17}'))
        row = only(evaluate(spans), "JSONValidation", "s1")
        assert row.passed is False
        assert "tool lookup_order arguments: $.order_id: 17 is not of type 'string'" in row.reason

    def test_missing_required_argument_fails(self, spans: SpanTable) -> None:
        spans.add("t1", "s1", tools=[LOOKUP_TOOL], tool_calls=call("{}"))
        row = only(evaluate(spans), "JSONValidation", "s1")
        assert "$: 'order_id' is a required property" in row.reason

    def test_tool_defined_on_another_span_of_the_trace_is_used(self, spans: SpanTable) -> None:
        spans.add("t1", "s1", tools=[LOOKUP_TOOL], output_text="planning")
        spans.add("t1", "s2", at=1, tool_calls=call('{"order_id": '))
        row = only(evaluate(spans), "JSONValidation", "s2")
        assert row.passed is False and "invalid JSON" in row.reason

    def test_tool_without_schema_gets_no_row(self, spans: SpanTable) -> None:
        bare = {"type": "function", "function": {"name": "lookup_order"}}
        spans.add("t1", "s1", tools=[bare], tool_calls=call("not json"))
        results = evaluate(spans)
        assert results[results["evaluator"] == "JSONValidation"].empty


class TestConfiguredRouteSchema:
    CONFIG = EvaluationConfig(
        json_schemas=[JsonSchemaRule(route="billing", schema=INVOICE_SCHEMA)],
    )

    def test_output_on_the_route_is_validated(self, spans: SpanTable) -> None:
        spans.add("t1", "good", route="billing", output_text='{"items": []}')
        spans.add("t2", "bad", route="billing", output_text='{"total": 3}')
        results = evaluate(spans, self.CONFIG)
        assert only(results, "JSONValidation", "good").passed is True
        bad = only(results, "JSONValidation", "bad")
        assert bad.passed is False
        assert "route billing schema: $: 'items' is a required property" in bad.reason

    def test_other_routes_are_not_checked(self, spans: SpanTable) -> None:
        spans.add("t1", "s1", route="support", output_text="free text")
        results = evaluate(spans, self.CONFIG)
        assert results[results["evaluator"] == "JSONValidation"].empty

    def test_all_checks_on_a_span_make_one_row(self, spans: SpanTable) -> None:
        spans.add(
            "t1",
            "s1",
            route="billing",
            response_format={"type": "json_object"},
            output_text='{"total": 3}',
        )
        row = only(evaluate(spans, self.CONFIG), "JSONValidation", "s1")
        assert row.passed is False
        assert row.reason.startswith("route billing schema: ") and "output:" not in row.reason
