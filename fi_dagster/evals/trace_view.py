"""Typed views of canonical span rows, grouped into sampled traces.

Evaluators read these instead of DataFrame rows, so JSON columns are parsed once and
questions like "what did this span answer?" have one answer everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from fi_dagster.evals import span_fields as fields
from fi_dagster.evals.span_fields import Document, Message, ToolCall


@dataclass(frozen=True)
class Cohort:
    model: str | None
    prompt_version: str | None
    route: str | None
    tenant: str | None


@dataclass(frozen=True)
class Span:
    """One span with its JSON columns parsed."""

    span_id: str
    parent_span_id: str | None
    name: str
    span_kind: str
    status: str
    status_message: str
    start_time: pd.Timestamp | None
    latency_ms: float | None
    input_text: str
    output_text: str
    input_messages: tuple[Message, ...]
    output_messages: tuple[Message, ...]
    tool_calls: tuple[ToolCall, ...]
    documents: tuple[Document, ...]
    tools: tuple[dict[str, Any], ...]
    response_format: dict[str, Any] | None
    attributes: dict[str, Any]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Span:
        return cls(
            span_id=fields.text(row.get("span_id")),
            parent_span_id=fields.text(row.get("parent_span_id")) or None,
            name=fields.text(row.get("name")),
            span_kind=fields.text(row.get("span_kind")) or "UNKNOWN",
            status=fields.text(row.get("status")) or "UNSET",
            status_message=fields.text(row.get("status_message")),
            start_time=fields.timestamp(row.get("start_time")),
            latency_ms=fields.number(row.get("latency_ms")),
            input_text=fields.text(row.get("input_text")),
            output_text=fields.text(row.get("output_text")),
            input_messages=fields.messages(row.get("input_messages")),
            output_messages=fields.messages(row.get("output_messages")),
            tool_calls=fields.tool_calls(row.get("tool_calls")),
            documents=fields.documents(row.get("retrieval_documents")),
            tools=tuple(t for t in fields.json_list(row.get("tools")) if isinstance(t, dict)),
            response_format=fields.json_dict(row.get("response_format")),
            attributes=fields.json_dict(row.get("attributes")) or {},
        )

    def request(self) -> str:
        """What was asked of this span: the last user message, else the raw input."""
        return fields.last_content(self.input_messages, "user") or self.input_text

    def answer(self) -> str:
        """What this span answered: the last assistant message, else the raw output.

        Messages come first because an LLM span's raw output is often the whole
        provider response body rather than the answer.
        """
        return fields.last_content(self.output_messages, "assistant") or self.output_text

    def captured_output(self) -> bool:
        """Whether any output content was recorded (content capture may be off)."""
        return bool(self.answer().strip() or self.tool_calls)

    def captured_input(self) -> bool:
        return bool(self.input_text.strip() or self.input_messages)

    def is_structured(self) -> bool:
        """Whether the answer is JSON by request or by shape (not prose to judge as text)."""
        return self.wants_json() or fields.is_json_container(self.answer())

    def wants_json(self) -> bool:
        """Whether the call asked for structured output.

        The normalizer maps every convention's way of asking to ``response_format``.
        """
        return (self.response_format or {}).get("type") in ("json_object", "json_schema")

    def declared_output_schema(self) -> dict[str, Any] | None:
        spec = (self.response_format or {}).get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return schema if isinstance(schema, dict) else None

    def tool_schema(self, tool_name: str) -> dict[str, Any] | None:
        """JSON schema of the tool's parameters as declared on this span, if any."""
        for tool in self.tools:
            fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
            if fn.get("name") == tool_name and isinstance(fn.get("parameters"), dict):
                return fn["parameters"]
        return None


@dataclass(frozen=True)
class Trace:
    """The spans of one sampled trace, in start order, with its cohort and weight."""

    trace_id: str
    spans: tuple[Span, ...]
    cohort: Cohort
    sample_weight: float

    def roots(self) -> list[Span]:
        """Spans without a parent; if the root was lost, spans whose parent is missing."""
        roots = [s for s in self.spans if s.parent_span_id is None]
        if roots:
            return roots
        ids = {s.span_id for s in self.spans}
        return [s for s in self.spans if s.parent_span_id not in ids]

    def of_kind(self, kind: str) -> list[Span]:
        return [s for s in self.spans if s.span_kind == kind]

    def error_spans(self) -> list[Span]:
        return [s for s in self.spans if s.status == "ERROR"]

    def documents(self) -> list[Document]:
        """Every document retrieved in the trace, first occurrence of each content."""
        seen: dict[str, Document] = {}
        for span in self.of_kind("RETRIEVER"):
            for doc in span.documents:
                seen.setdefault(doc.content, doc)
        return list(seen.values())

    def tool_schema(self, span: Span, tool_name: str) -> dict[str, Any] | None:
        """The tool's schema on the calling span, else on any span of the trace."""
        own = span.tool_schema(tool_name)
        if own is not None:
            return own
        return next((s for o in self.spans if (s := o.tool_schema(tool_name))), None)


def sampled_traces(spans: pd.DataFrame, sample: pd.DataFrame) -> list[Trace]:
    """The traces named in ``sample``, each carrying its ``sample_weight``, by trace id."""
    weights = dict(zip(sample["trace_id"], sample["sample_weight"], strict=True))
    chosen = spans[spans["trace_id"].isin(weights.keys())]
    if "start_time" in chosen.columns:
        chosen = chosen.sort_values("start_time", kind="stable", na_position="first")
    by_trace: dict[Any, list[dict[str, Any]]] = {}
    for row in chosen.to_dict("records"):
        by_trace.setdefault(row["trace_id"], []).append(row)
    return [
        Trace(
            trace_id=str(trace_id),
            spans=tuple(Span.from_row(r) for r in rows),
            cohort=_cohort(rows),
            sample_weight=float(weights[trace_id]),
        )
        for trace_id, rows in sorted(by_trace.items(), key=lambda item: str(item[0]))
    ]


def _cohort(rows: list[dict[str, Any]]) -> Cohort:
    def first(column: str) -> str | None:
        return next((fields.text(r.get(column)) for r in rows if fields.text(r.get(column))), None)

    return Cohort(first("model"), first("prompt_version"), first("route"), first("tenant"))
