"""JSONValidation: structured outputs and tool arguments must be the JSON they promise.

Per span it runs every applicable check (declared response format, each tool call
with a schema, configured route schemas) and scores 1 only if all pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from fi_dagster.config import JsonSchemaRule
from fi_dagster.evals.evaluators.base import Assessment, Finding
from fi_dagster.evals.evaluators.json_checks import JsonCheck, check_json
from fi_dagster.evals.trace_view import Span, Trace


class JSONValidation:
    name = "JSONValidation"
    version = "1"
    default_threshold = 1.0

    def __init__(self, rules: Sequence[JsonSchemaRule] = ()) -> None:
        self.rules = tuple(rules)

    def assess(self, trace: Trace) -> list[Assessment]:
        findings: list[Assessment] = []
        for span in trace.spans:
            checks = list(self._checks(trace, span))
            if checks:
                findings.append(_finding(span, checks))
        return findings

    def _checks(self, trace: Trace, span: Span) -> Iterator[JsonCheck]:
        answer = span.answer()
        if span.wants_json() and answer:
            yield check_json("output", answer, span.declared_output_schema())
        for call in span.tool_calls:
            schema = trace.tool_schema(span, call.name)
            if schema is not None:
                yield check_json(f"tool {call.name} arguments", call.arguments or "{}", schema)
        if span.span_kind != "LLM" or not answer:
            return
        for rule in self.rules:
            if rule.route == trace.cohort.route and rule.span_name in (None, span.name):
                yield check_json(f"route {rule.route} schema", answer, rule.schema_)


def _finding(span: Span, checks: list[JsonCheck]) -> Finding:
    failed = [c for c in checks if c.problems]
    broken = [c for c in checks if c.schema_error]
    if failed:
        return Finding(span, 0.0, "; ".join(f"{c.label}: {', '.join(c.problems)}" for c in failed))
    if broken:
        return Finding.error(span, "; ".join(f"{c.label}: {c.schema_error}" for c in broken))
    labels = ", ".join(c.label for c in checks)
    return Finding(span, 1.0, f"valid JSON ({labels})")
