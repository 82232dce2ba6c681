"""Decode OTLP/JSON export requests (one per line) into plain Python spans.

Follows the OTLP JSON encoding the Collector ``file`` exporter writes: hex ids, ``kind`` as an
integer, ``intValue`` and nanosecond timestamps as strings, ``arrayValue`` / ``kvlistValue``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


class MalformedLine(ValueError):
    """A line that is JSON but not an OTLP export request (or not JSON at all)."""


@dataclass(slots=True)
class RawSpan:
    """One span as decoded from OTLP, before any convention is applied."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start_ns: int
    end_ns: int
    status_code: int
    status_message: str | None
    attributes: dict[str, Any]
    resource: dict[str, Any]
    events: list[dict[str, Any]]


def any_value(value: dict[str, Any]) -> Any:
    """Convert an OTLP ``AnyValue`` object to the Python value it encodes."""
    if not isinstance(value, dict) or not value:
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "arrayValue" in value:
        return [any_value(v) for v in (value["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in value:
        return key_values((value["kvlistValue"] or {}).get("values", []))
    if "bytesValue" in value:
        return base64.b64decode(value["bytesValue"]).hex()
    return None


def key_values(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Convert an OTLP ``KeyValue`` list to a dict."""
    return {kv["key"]: any_value(kv.get("value")) for kv in items or ()}


def _hex_id(value: Any, length: int, field: str) -> str:
    if not isinstance(value, str) or len(value) != length:
        raise MalformedLine(f"{field} must be {length} hex characters, got {value!r:.60}")
    try:
        int(value, 16)
    except ValueError:
        raise MalformedLine(f"{field} is not hex: {value!r:.60}") from None
    return value.lower()


def _status_code(status: dict[str, Any]) -> int:
    code = status.get("code", 0)
    if isinstance(code, str):  # some exporters write the enum name
        return {"STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}.get(code, 0)
    return int(code or 0)


BadSpanHandler = Callable[[Any, str], None]


def decode_request(request: Any, on_bad_span: BadSpanHandler) -> Iterator[RawSpan]:
    """Yield the spans of one ``ExportTraceServiceRequest`` JSON object.

    A span that cannot be decoded goes to ``on_bad_span(span_json, reason)`` so the rest of
    the request still counts; a request that is not OTLP at all raises ``MalformedLine``.
    """
    if not isinstance(request, dict) or not isinstance(request.get("resourceSpans"), list):
        raise MalformedLine("not an OTLP export request (no 'resourceSpans' list)")
    try:
        for resource_spans in request["resourceSpans"]:
            resource = key_values((resource_spans.get("resource") or {}).get("attributes"))
            for scope_spans in resource_spans.get("scopeSpans") or ():
                for span in scope_spans.get("spans") or ():
                    try:
                        yield _decode_span(span, resource)
                    except MalformedLine as exc:
                        on_bad_span(span, str(exc))
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        raise MalformedLine(f"bad OTLP structure: {type(exc).__name__}: {exc}") from exc


def _decode_span(span: dict[str, Any], resource: dict[str, Any]) -> RawSpan:
    try:
        parent = span.get("parentSpanId") or None
        status = span.get("status") or {}
        return RawSpan(
            trace_id=_hex_id(span.get("traceId"), 32, "traceId"),
            span_id=_hex_id(span.get("spanId"), 16, "spanId"),
            parent_span_id=_hex_id(parent, 16, "parentSpanId") if parent else None,
            name=str(span.get("name") or ""),
            start_ns=int(span["startTimeUnixNano"]),
            end_ns=int(span["endTimeUnixNano"]),
            status_code=_status_code(status),
            status_message=status.get("message") or None,
            attributes=key_values(span.get("attributes")),
            resource=resource,
            events=span.get("events") or [],
        )
    except MalformedLine:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedLine(f"bad span field: {type(exc).__name__}: {exc}") from exc
