"""Typed views of canonical span rows, grouped into sampled traces.

Evaluators read these instead of DataFrame rows: JSON columns are parsed once, and a
missing or malformed column reads as empty instead of raising, so one bad span never
stops a night's evaluation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

# OTel GenAI marks structured output this way; the normalizer may not map it to
# ``response_format``, so it is read here as a fallback.
GENAI_OUTPUT_TYPE = "gen_ai.output.type"


@dataclass(frozen=True)
class Message:
    role: str
    content: str


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Document:
    id: str
    content: str


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
            span_id=_text(row.get("span_id")),
            parent_span_id=_text(row.get("parent_span_id")) or None,
            name=_text(row.get("name")),
            span_kind=_text(row.get("span_kind")) or "UNKNOWN",
            status=_text(row.get("status")) or "UNSET",
            status_message=_text(row.get("status_message")),
            start_time=_timestamp(row.get("start_time")),
            input_text=_text(row.get("input_text")),
            output_text=_text(row.get("output_text")),
            input_messages=_messages(row.get("input_messages")),
            output_messages=_messages(row.get("output_messages")),
            tool_calls=_tool_calls(row.get("tool_calls")),
            documents=_documents(row.get("retrieval_documents")),
            tools=tuple(t for t in _json_list(row.get("tools")) if isinstance(t, dict)),
            response_format=_json_dict(row.get("response_format")),
            attributes=_json_dict(row.get("attributes")) or {},
        )

    def request(self) -> str:
        """What was asked of this span: the last user message, else the raw input."""
        return _last(self.input_messages, "user") or self.input_text

    def answer(self) -> str:
        """What this span answered: the last assistant message, else the raw output.

        Messages come first because an LLM span's raw output is often the whole
        provider response body rather than the answer.
        """
        return _last(self.output_messages, "assistant") or self.output_text

    def captured_output(self) -> bool:
        """Whether any output content was recorded (content capture may be off)."""
        return bool(self.answer() or self.tool_calls)

    def wants_json(self) -> bool:
        kind = (self.response_format or {}).get("type")
        return kind in ("json_object", "json_schema") or (
            self.attributes.get(GENAI_OUTPUT_TYPE) == "json"
        )

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
    """The traces named in ``sample``, each carrying its ``sample_weight``."""
    weights = dict(zip(sample["trace_id"], sample["sample_weight"], strict=True))
    chosen = spans[spans["trace_id"].isin(weights.keys())]
    if "start_time" in chosen.columns:
        chosen = chosen.sort_values(["trace_id", "start_time"], kind="stable")
    traces = []
    for trace_id, group in chosen.groupby("trace_id", sort=True):
        rows = group.to_dict("records")
        traces.append(
            Trace(
                trace_id=str(trace_id),
                spans=tuple(Span.from_row(r) for r in rows),
                cohort=_cohort(rows),
                sample_weight=float(weights[trace_id]),
            )
        )
    return traces


def _cohort(rows: list[dict[str, Any]]) -> Cohort:
    def first(column: str) -> str | None:
        return next((_text(r.get(column)) for r in rows if _text(r.get(column))), None)

    return Cohort(first("model"), first("prompt_version"), first("route"), first("tenant"))


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _timestamp(value: Any) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def _json(value: Any) -> Any:
    if isinstance(value, list | dict):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _json_list(value: Any) -> list[Any]:
    parsed = _json(value)
    return parsed if isinstance(parsed, list) else []


def _json_dict(value: Any) -> dict[str, Any] | None:
    parsed = _json(value)
    return parsed if isinstance(parsed, dict) else None


def _content(value: Any) -> str:
    """Message content as text; multi-part content keeps its text parts."""
    if isinstance(value, list):
        parts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in value]
        return "\n".join(p for p in parts if p)
    return _text(value)


def _messages(value: Any) -> tuple[Message, ...]:
    return tuple(
        Message(role=_text(m.get("role")), content=_content(m.get("content")))
        for m in _json_list(value)
        if isinstance(m, dict)
    )


def _last(messages: tuple[Message, ...], role: str) -> str:
    return next((m.content for m in reversed(messages) if m.role == role and m.content), "")


def _tool_calls(value: Any) -> tuple[ToolCall, ...]:
    return tuple(
        ToolCall(_text(c.get("id")), _text(c.get("name")), _arguments(c.get("arguments")))
        for c in _json_list(value)
        if isinstance(c, dict)
    )


def _arguments(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else _text(value)


def _documents(value: Any) -> tuple[Document, ...]:
    return tuple(
        Document(_text(d.get("id")), _text(d.get("content")))
        for d in _json_list(value)
        if isinstance(d, dict) and _text(d.get("content"))
    )
