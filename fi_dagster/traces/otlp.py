"""Decode OTLP/JSON export requests (one per line): the request into typed structs
(``otlp_model``), ids, times and status checked, attributes into plain Python values.

Follows the OTLP JSON encoding the Collector ``file`` exporter and the Python
``opentelemetry-exporter-otlp-json-file`` write: hex ids, ``kind`` as an integer, ``intValue``
and nanosecond timestamps as strings, ``arrayValue`` / ``kvlistValue``. Base64 ids (the plain
protobuf JSON mapping) and enum names for the status code are accepted too.

Decoding is forgiving where a value can be kept and strict where a span would be wrong: an odd
attribute value is kept (and counted), a span without valid ids or times is rejected.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

import msgspec
import orjson
from msgspec import UNSET

from fi_dagster.traces.otlp_model import (
    LENIENT,
    STRICT,
    AnyValue,
    ExportRequest,
    KeyValue,
    Resource,
    Span,
)


class MalformedLine(ValueError):
    """A line that is JSON but not an OTLP export request (or not JSON at all)."""


class NotJson(MalformedLine):
    """A line that does not parse as JSON."""


class BadSpan(ValueError):
    """A span whose ids or timestamps cannot be decoded; the rest of its line still counts."""


_STATUS = {0: "UNSET", 1: "OK", 2: "ERROR"}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_STATUS_NAMES = {"STATUS_CODE_UNSET": "UNSET", "STATUS_CODE_OK": "OK", "STATUS_CODE_ERROR": "ERROR"}
TRUNCATION_MARK = "…[truncated {} chars]"


class AttributeDecoder:
    """Turn OTLP attribute lists into dicts, truncating oversized strings.

    ``wrong_type`` and ``oversized`` count what it had to coerce or cut since the caller last
    reset them, so the caller can attribute them to the span they came from.
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.wrong_type = 0
        self.oversized = 0

    def decode(self, items: list[KeyValue] | None) -> dict[str, Any]:
        """The attributes as ``{key: python value}``; never raises on odd values."""
        out: dict[str, Any] = {}
        limit = self.max_chars
        for kv in items or ():
            text = kv.value.stringValue
            if text.__class__ is str:
                out[kv.key] = text if len(text) <= limit else self.cut(text)
            else:
                out[kv.key] = self.value(kv.value)
        return out

    def value(self, value: AnyValue) -> Any:
        """The Python value an OTLP ``AnyValue`` encodes (None when it holds nothing)."""
        if value.stringValue is not UNSET:
            return self._text(value.stringValue)
        if value.intValue is not UNSET:
            return self._int(value.intValue)
        if value.doubleValue is not UNSET:
            return self._float(value.doubleValue)
        if value.boolValue is not UNSET:
            return self._bool(value.boolValue)
        if value.arrayValue is not UNSET:
            return [self.value(v) for v in value.arrayValue.values or ()]
        if value.kvlistValue is not UNSET:
            return self.decode(value.kvlistValue.values)
        if value.bytesValue is not UNSET:
            return self._bytes(value.bytesValue)
        return None

    # --- lines the typed decoder refused: each span and resource converted on its own ------

    def span(self, raw: Any) -> Span:
        """A span of a leniently parsed line as a ``Span``: odd attribute entries are counted
        and dropped (or kept as JSON text); raises ``BadSpan`` if it is not an object."""
        if not isinstance(raw, dict):
            raise BadSpan(f"span is not an object: {raw!r:.60}")
        fields = {k: v for k, v in raw.items() if k in _SPAN_FIELDS}
        return Span(**fields, attributes=self.attributes(raw.get("attributes")))

    def resource(self, raw: Any) -> Resource | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.wrong_type += 1
            return None
        return Resource(attributes=self.attributes(raw.get("attributes")))

    def attributes(self, items: Any) -> list[KeyValue]:
        """The well-formed ``{"key": str, "value": {...}}`` entries; the others are counted."""
        if not isinstance(items, list):
            self.wrong_type += items is not None
            return []
        cleaned = []
        for kv in items:
            if not isinstance(kv, dict) or not isinstance(kv.get("key"), str):
                self.wrong_type += 1
                continue
            cleaned.append(KeyValue(kv["key"], self._any_value(kv.get("value"))))
        return cleaned

    def _any_value(self, raw: Any) -> AnyValue:
        if raw is None:
            return AnyValue()
        if isinstance(raw, dict):
            try:
                return msgspec.convert(raw, AnyValue)
            except msgspec.ValidationError:
                pass
        self.wrong_type += 1  # an unknown shape: kept, as its JSON text
        return AnyValue(stringValue=orjson.dumps(raw, default=str).decode())

    # --- odd leaves -----------------------------------------------------------------------

    def cut(self, text: str) -> str:
        """An oversized string, truncated and marked (and counted)."""
        self.oversized += 1
        return text[: self.max_chars] + TRUNCATION_MARK.format(len(text) - self.max_chars)

    def _text(self, raw: Any) -> Any:
        if isinstance(raw, str):
            return raw if len(raw) <= self.max_chars else self.cut(raw)
        self.wrong_type += 1
        return raw if isinstance(raw, int | float | bool) or raw is None else str(raw)

    def _int(self, raw: Any) -> Any:
        """OTLP ints are 64-bit; anything else is kept as text (JSON and Parquet need int64)."""
        try:
            number = raw if raw.__class__ is int else int(raw)
        except (TypeError, ValueError):
            number = None
        if number is not None and INT64_MIN <= number <= INT64_MAX:
            return number
        self.wrong_type += 1
        return self._text(raw) if isinstance(raw, str) else str(raw)

    def _float(self, raw: Any) -> Any:
        if raw.__class__ is float or raw.__class__ is int:
            return raw
        try:
            return float(raw)  # proto3 JSON writes "NaN" / "Infinity" as strings
        except (TypeError, ValueError):
            self.wrong_type += 1
            return self._text(raw) if isinstance(raw, str) else raw

    def _bool(self, raw: Any) -> Any:
        if raw is True or raw is False:
            return raw
        self.wrong_type += 1
        return {"true": True, "false": False}.get(str(raw).lower(), raw)

    def _bytes(self, raw: Any) -> Any:
        try:
            return base64.b64decode(raw, validate=True).hex()
        except (TypeError, ValueError, binascii.Error):
            self.wrong_type += 1
            return self._text(raw)


_SPAN_FIELDS = frozenset(Span.__struct_fields__) - {"attributes"}


def parse_request(line: bytes) -> ExportRequest:
    """One line as an export request: typed in one pass when it fits, else parsed leniently
    (spans and resources left as plain values for ``AttributeDecoder.span``/``resource``).

    Raises ``NotJson`` or ``MalformedLine`` (the message names the JSON path at fault).
    """
    try:
        return STRICT.decode(line)
    except (msgspec.ValidationError, RecursionError):
        pass
    except msgspec.DecodeError as exc:
        raise NotJson(str(exc)) from None
    try:
        parsed = orjson.loads(line)  # its depth limit does not depend on the recursion limit
    except orjson.JSONDecodeError as exc:
        raise NotJson(str(exc)) from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("resourceSpans"), list):
        raise MalformedLine("not an OTLP export request (no 'resourceSpans' list)")
    try:
        return msgspec.convert(parsed, LENIENT)
    except msgspec.ValidationError as exc:
        raise MalformedLine(f"bad OTLP structure: {exc}") from None


def request_spans(request: ExportRequest) -> Iterator[tuple[Any, Any]]:
    """``(resource, span)`` for every span of one export request (the same resource object
    for all spans of a resource, so callers decode it once)."""
    for resource_spans in request.resourceSpans:
        resource = resource_spans.resource
        for scope_spans in resource_spans.scopeSpans or ():
            for span in scope_spans.spans or ():
                yield resource, span


_ZERO_TRACE, _ZERO_SPAN = bytes(16), bytes(8)


def span_identity(span: Span) -> tuple[str, str, str | None, bytes]:
    """``(trace_id, span_id, parent_span_id, key)``: lowercase hex ids and the 24 raw bytes of
    trace and span id (the day's duplicate key). Raises ``BadSpan`` for ids OTLP forbids."""
    trace_id, span_id = span.traceId, span.spanId
    if (
        trace_id.__class__ is str
        and span_id.__class__ is str
        and len(trace_id) == 32
        and len(span_id) == 16
    ):
        try:
            key = bytes.fromhex(trace_id + span_id)  # validates both
        except ValueError:
            raise BadSpan(f"ids are not hex: {trace_id!r}, {span_id!r:.60}") from None
        trace_id, span_id = trace_id.lower(), span_id.lower()
    else:  # base64 (the protobuf JSON mapping) or invalid
        trace_id, span_id = _hex_id(trace_id, 16, "traceId"), _hex_id(span_id, 8, "spanId")
        key = bytes.fromhex(trace_id + span_id)
    if key[:16] == _ZERO_TRACE or key[16:] == _ZERO_SPAN:
        raise BadSpan("traceId or spanId is all zeros (invalid in OTLP)")
    parent = span.parentSpanId or None
    if parent is not None:
        parent = _hex_id(parent, 8, "parentSpanId")
    return trace_id, span_id, parent, key


def _hex_id(value: Any, n_bytes: int, field: str) -> str:
    if not isinstance(value, str):
        raise BadSpan(f"{field} must be a hex string, got {value!r:.60}")
    if len(value) == 2 * n_bytes:
        try:
            return bytes.fromhex(value).hex()
        except ValueError:
            raise BadSpan(f"{field} is not hex: {value!r:.60}") from None
    try:
        raw = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != n_bytes:
        raise BadSpan(f"{field} must be {n_bytes} bytes in hex, got {value!r:.60}")
    return raw.hex()


def span_times(span: Span) -> tuple[int, int]:
    """``(start_ns, end_ns)``; raises ``BadSpan`` unless both are integers OTLP allows."""
    start, end = span.startTimeUnixNano, span.endTimeUnixNano
    for field, value in (("startTimeUnixNano", start), ("endTimeUnixNano", end)):
        if value is None:
            raise BadSpan(f"missing {field}")
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError) as exc:
        raise BadSpan(f"timestamp is not an integer: {exc}") from None
    if not (0 < start <= INT64_MAX and 0 < end <= INT64_MAX):
        raise BadSpan(f"timestamp out of range: {start}, {end}")
    return start, end


def span_status(span: Span) -> tuple[str, str | None]:
    """``(UNSET|OK|ERROR, message)``; unknown codes read as UNSET."""
    status = span.status
    if not status or not isinstance(status, dict):
        return "UNSET", None
    code = status.get("code", 0)
    name = _STATUS_NAMES.get(code) if isinstance(code, str) else _STATUS.get(code)
    message = status.get("message")
    return name or "UNSET", message if isinstance(message, str) and message else None
