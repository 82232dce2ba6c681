"""The OTLP/JSON export request as typed structs, decoded in one C pass (msgspec).

Decoding a line straight into these structs is two to three times faster than JSON into
dicts and then walking them, and it is most of what ingestion spends per span. The
structure is typed (requests, resource and scope spans, attribute lists); the leaves stay
``Any``, so an odd value (``"intValue": "abc"``) is decoded as written and judged later by
``otlp.AttributeDecoder``, which counts it.

A line whose structure does not fit (a span that is not an object, an attribute list that is
not a list, an attribute value of unknown shape) is parsed again and converted to
``LENIENT``: spans and resources stay plain Python values there, and ``otlp`` converts each
one on its own, keeping what can be kept and counting the rest, so one odd span does not
cost its line.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec
from msgspec import UNSET, Struct, UnsetType

R = TypeVar("R")  # a resource: Resource (strict) or Any (lenient)
S = TypeVar("S")  # a span: Span (strict) or Any (lenient)


class AnyValue(Struct, gc=False, forbid_unknown_fields=True, omit_defaults=True):
    """OTLP ``AnyValue``: exactly one field is set (UNSET = absent, None = JSON null)."""

    stringValue: Any = UNSET
    intValue: Any = UNSET
    doubleValue: Any = UNSET
    boolValue: Any = UNSET
    arrayValue: ArrayValue | UnsetType = UNSET
    kvlistValue: KeyValueList | UnsetType = UNSET
    bytesValue: Any = UNSET


class KeyValue(Struct, gc=False):
    key: str
    value: AnyValue = msgspec.field(default_factory=AnyValue)


class ArrayValue(Struct, gc=False, omit_defaults=True):
    values: list[AnyValue] | None = None


class KeyValueList(Struct, gc=False, omit_defaults=True):
    values: list[KeyValue] | None = None


class Span(Struct, gc=False, omit_defaults=True):
    """Every field of an OTLP span, so a quarantined span is written back as it came."""

    traceId: Any = None
    spanId: Any = None
    traceState: Any = UNSET
    parentSpanId: Any = None
    flags: Any = UNSET
    name: Any = None
    kind: Any = UNSET
    startTimeUnixNano: Any = None
    endTimeUnixNano: Any = None
    attributes: list[KeyValue] | None = None
    droppedAttributesCount: Any = UNSET
    events: Any = None
    droppedEventsCount: Any = UNSET
    links: Any = UNSET
    droppedLinksCount: Any = UNSET
    status: Any = None


class Resource(Struct, gc=False, omit_defaults=True):
    attributes: list[KeyValue] | None = None
    droppedAttributesCount: Any = UNSET


class ScopeSpans(Struct, Generic[S], gc=False):
    spans: list[S] | None = None


class ResourceSpans(Struct, Generic[R, S], gc=False):
    resource: R | None = None
    scopeSpans: list[ScopeSpans[S]] | None = None


class ExportRequest(Struct, Generic[R, S], gc=False):
    resourceSpans: list[ResourceSpans[R, S]]


STRICT = msgspec.json.Decoder(ExportRequest[Resource, Span])
LENIENT = ExportRequest[Any, Any]  # for msgspec.convert of a line already parsed
