"""Encode synthetic traces as OTLP/JSON export requests, one request per line.

The shape is what the OpenTelemetry Collector ``file`` exporter writes: hex ids, ``kind`` as an
integer, nanosecond timestamps and ``intValue`` as strings, spans grouped by resource and
instrumentation scope. A trace is never split across lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from fi_dagster.demo import semconv as oi
from fi_dagster.demo.spans import SpanRecord, TraceRecord

TRACES_PER_LINE = 50
SPAN_KIND_INTERNAL = 1
SPAN_KIND_CLIENT = 3
STATUS_OK = 1
STATUS_ERROR = 2
SCOPE_VERSION = "0.1.18"
_CLIENT_KINDS = frozenset({"LLM", "EMBEDDING", "TOOL"})
_RESOURCE = {
    oi.DEPLOYMENT_ENVIRONMENT: "production",
    oi.SERVICE_VERSION: "2.14.0",
    "telemetry.sdk.language": "python",
    "telemetry.sdk.name": "opentelemetry",
    "telemetry.sdk.version": "1.27.0",
}


def any_value(value: Any) -> dict[str, Any]:
    """The OTLP ``AnyValue`` for a Python attribute value."""
    kind = type(value)
    if kind is str:
        return {"stringValue": value}
    if kind is bool:
        return {"boolValue": value}
    if kind is int:
        return {"intValue": str(value)}
    if kind is float:
        return {"doubleValue": value}
    if kind is list or kind is tuple:
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    raise TypeError(f"unsupported attribute value {value!r}")


def key_values(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"key": k, "value": {"stringValue": v} if type(v) is str else any_value(v)}
        for k, v in attributes.items()
        if v is not None
    ]


def span_json(span: SpanRecord, trace_id: str, start_ns: int) -> dict[str, Any]:
    """One OTLP span; ``start_ns`` is the absolute start of its trace."""
    end = str(start_ns + span.end_ns)
    out: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span.span_id,
        "name": span.name,
        "kind": SPAN_KIND_CLIENT if span.kind in _CLIENT_KINDS else SPAN_KIND_INTERNAL,
        "startTimeUnixNano": str(start_ns + span.start_ns),
        "endTimeUnixNano": end,
        "attributes": key_values(span.attributes),
        "status": {"code": STATUS_OK},
    }
    if span.parent_id:
        out["parentSpanId"] = span.parent_id
    if span.error is not None:
        out["status"] = {"code": STATUS_ERROR, "message": span.error.message}
        exception = {
            oi.EXCEPTION_TYPE: span.error.type,
            oi.EXCEPTION_MESSAGE: span.error.message,
            oi.EXCEPTION_STACKTRACE: f"Traceback (most recent call last):\n{span.error.type}: "
            f"{span.error.message}",
        }
        out["events"] = [
            {"timeUnixNano": end, "name": oi.EXCEPTION_EVENT, "attributes": key_values(exception)}
        ]
    return out


def export_request(traces: Sequence[TraceRecord]) -> dict[str, Any]:
    """One ``ExportTraceServiceRequest``: spans grouped by (service, tenant), then by scope."""
    groups: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
    for trace in traces:
        scopes = groups.setdefault((trace.service, trace.tenant), {})
        for span in trace.spans:
            scopes.setdefault(span.scope, []).append(
                span_json(span, trace.trace_id, trace.start_ns)
            )
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": key_values(_resource(service, tenant))},
                "scopeSpans": [
                    {"scope": {"name": scope, "version": SCOPE_VERSION}, "spans": spans}
                    for scope, spans in scopes.items()
                ],
            }
            for (service, tenant), scopes in groups.items()
        ]
    }


def _resource(service: str, tenant: str) -> dict[str, Any]:
    return {oi.SERVICE_NAME: service, **_RESOURCE, oi.TENANT_ID: tenant}


def jsonl_lines(traces: Sequence[TraceRecord], per_line: int = TRACES_PER_LINE) -> Iterator[bytes]:
    """Encoded export requests of ``per_line`` traces each, newline-terminated."""
    for i in range(0, len(traces), per_line):
        yield orjson.dumps(export_request(traces[i : i + per_line])) + b"\n"
