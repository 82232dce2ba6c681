"""Map one decoded span, whatever convention wrote it, to a canonical span row.

Cohort columns are resolved later, per trace (``cohorts.py``); here each row only carries the
raw candidates it could offer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from fi_dagster.traces import conventions as cv
from fi_dagster.traces.otlp import RawSpan
from fi_dagster.traces.schema import SPAN_KINDS

_KIND_SET = frozenset(SPAN_KINDS)
_STATUS = {0: "UNSET", 1: "OK", 2: "ERROR"}


def _first(attrs: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = attrs.get(key)
        if value is not None and value != "":
            return value
    return None


def _as_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _json(value: Any) -> str | None:
    return orjson.dumps(value).decode() if value else None


def _flattened_list(attrs: dict[str, Any], prefixes: tuple[str, ...]) -> dict[int, dict[str, Any]]:
    """Gather ``<prefix>.<i>.<rest>`` keys into ``{i: {rest: value}}`` for the first prefix used."""
    for prefix in prefixes:
        dotted = prefix + "."
        items: dict[int, dict[str, Any]] = {}
        for key, value in attrs.items():
            if not key.startswith(dotted):
                continue
            index, _, rest = key[len(dotted) :].partition(".")
            if index.isdigit() and rest:
                items.setdefault(int(index), {})[rest] = value
        if items:
            return dict(sorted(items.items()))
    return {}


def _split(attrs: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """One pass: flattened-list keys grouped by list prefix, and the keys no field maps."""
    lists: dict[str, dict[str, Any]] = {}
    unmapped: dict[str, Any] = {}
    for key, value in attrs.items():
        if key.startswith(_LIST_PREFIXES):
            prefix = next(p for p in _LIST_PREFIXES if key.startswith(p))
            lists.setdefault(prefix[:-1], {})[key] = value
        elif key not in _MAPPED_KEYS:
            unmapped[key] = value
    return lists, unmapped


def _messages(lists: dict[str, dict[str, Any]], prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
    messages = []
    for fields in _flattened_list(_group(lists, prefixes), prefixes).values():
        message: dict[str, Any] = {
            "role": fields.get(cv.MESSAGE_ROLE),
            "content": fields.get(cv.MESSAGE_CONTENT),
        }
        calls = _tool_calls(fields)
        if calls:
            message["tool_calls"] = calls
        messages.append(message)
    return messages


def _tool_calls(message_fields: dict[str, Any]) -> list[dict[str, Any]]:
    calls = _flattened_list(message_fields, (cv.MESSAGE_TOOL_CALLS,))
    return [
        {
            "id": c.get(cv.TOOL_CALL_ID),
            "name": c.get(cv.TOOL_CALL_NAME),
            "arguments": _as_text(c.get(cv.TOOL_CALL_ARGUMENTS)),
        }
        for c in calls.values()
    ]


def _group(lists: dict[str, dict[str, Any]], prefixes: tuple[str, ...]) -> dict[str, Any]:
    for prefix in prefixes:
        if prefix in lists:
            return lists[prefix]
    return {}


def _documents(lists: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": _as_text(d.get(cv.DOCUMENT_ID)),
            "content": _as_text(d.get(cv.DOCUMENT_CONTENT)),
            "score": d.get(cv.DOCUMENT_SCORE),
        }
        for d in _flattened_list(_group(lists, cv.DOCUMENT_PREFIXES), cv.DOCUMENT_PREFIXES).values()
    ]


def _tools(lists: dict[str, dict[str, Any]]) -> list[Any]:
    tools = []
    for fields in _flattened_list(_group(lists, cv.TOOL_PREFIXES), cv.TOOL_PREFIXES).values():
        schema = fields.get(cv.TOOL_JSON_SCHEMA)
        if isinstance(schema, str):
            try:
                schema = orjson.loads(schema)
            except orjson.JSONDecodeError:
                continue
        if schema:
            tools.append(schema)
    return tools


def _response_format(attrs: dict[str, Any]) -> Any:
    params = _first(attrs, cv.INVOCATION_PARAMETER_KEYS)
    if isinstance(params, str):
        try:
            params = orjson.loads(params)
        except orjson.JSONDecodeError:
            params = None
    if isinstance(params, dict) and params.get("response_format"):
        return params["response_format"]
    if attrs.get(cv.GENAI_OUTPUT_TYPE) == "json":
        return {"type": "json_object"}
    return None


def span_kind(attrs: dict[str, Any]) -> str:
    """The canonical kind: declared by the convention, else inferred from what the span holds."""
    declared = attrs.get(cv.OPENINFERENCE_SPAN_KIND) or attrs.get(cv.TRACEAI_SPAN_KIND)
    if isinstance(declared, str) and declared.upper() in _KIND_SET:
        return declared.upper()
    operation = attrs.get(cv.GENAI_OPERATION)
    if operation in cv.GENAI_OPERATION_KINDS:
        return cv.GENAI_OPERATION_KINDS[operation]
    if _first(attrs, cv.MODEL_KEYS) is not None:
        return "LLM"
    return "UNKNOWN"


_LIST_PREFIXES = tuple(
    p + "."
    for p in cv.INPUT_MESSAGE_PREFIXES
    + cv.OUTPUT_MESSAGE_PREFIXES
    + cv.DOCUMENT_PREFIXES
    + cv.TOOL_PREFIXES
)
_MAPPED_KEYS = frozenset(
    cv.MODEL_KEYS
    + cv.PROVIDER_KEYS
    + cv.PROMPT_TOKEN_KEYS
    + cv.COMPLETION_TOKEN_KEYS
    + cv.TOTAL_TOKEN_KEYS
    + cv.INPUT_VALUE_KEYS
    + cv.OUTPUT_VALUE_KEYS
    + cv.SESSION_KEYS
    + cv.USER_KEYS
    + (cv.OPENINFERENCE_SPAN_KIND, cv.TRACEAI_SPAN_KIND)
)


def _timestamp(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)


def normalize_span(raw: RawSpan, partition_date: str, source_file: str) -> dict[str, Any]:
    """The canonical row for one span (cohort columns still unresolved)."""
    attrs = raw.attributes
    prompt = _as_int(_first(attrs, cv.PROMPT_TOKEN_KEYS))
    completion = _as_int(_first(attrs, cv.COMPLETION_TOKEN_KEYS))
    total = _as_int(_first(attrs, cv.TOTAL_TOKEN_KEYS))
    if total is None and prompt is not None and completion is not None:
        total = prompt + completion
    lists, unmapped = _split(attrs)
    inputs = _messages(lists, cv.INPUT_MESSAGE_PREFIXES)
    outputs = _messages(lists, cv.OUTPUT_MESSAGE_PREFIXES)
    calls = [c for m in outputs for c in m.get("tool_calls", ())]
    input_text = _as_text(_first(attrs, cv.INPUT_VALUE_KEYS))
    output_text = _as_text(_first(attrs, cv.OUTPUT_VALUE_KEYS))
    if input_text is None and inputs:
        input_text = _as_text(inputs[-1].get("content"))
    if output_text is None and outputs:
        output_text = _as_text(outputs[0].get("content"))
    model = _first(attrs, cv.MODEL_KEYS)
    return {
        "partition_date": partition_date,
        "trace_id": raw.trace_id,
        "span_id": raw.span_id,
        "parent_span_id": raw.parent_span_id,
        "name": raw.name,
        "span_kind": span_kind(attrs),
        "start_time": _timestamp(raw.start_ns),
        "end_time": _timestamp(raw.end_ns),
        "latency_ms": (raw.end_ns - raw.start_ns) / 1e6,
        "status": _STATUS.get(raw.status_code, "UNSET"),
        "status_message": raw.status_message or _exception_message(raw.events),
        "service_name": _as_text(raw.resource.get(cv.SERVICE_NAME)),
        "model": None,
        "provider": _as_text(_first(attrs, cv.PROVIDER_KEYS)),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": total,
        "tokens_estimated": False,
        "input_text": input_text,
        "output_text": output_text,
        "input_messages": _json(inputs),
        "output_messages": _json(outputs),
        "tool_calls": _json(calls),
        "retrieval_documents": _json(_documents(lists)),
        "session_id": _as_text(_first(attrs, cv.SESSION_KEYS)),
        "user_id": _as_text(_first(attrs, cv.USER_KEYS)),
        "tenant": None,
        "route": None,
        "prompt_version": None,
        "attributes": orjson.dumps(unmapped, default=str).decode(),
        "span_model": _as_text(model),
        "convention": cv.detect_convention(attrs),
        "tools": _json(_tools(lists)),
        "response_format": _json(_response_format(attrs)),
        "source_file": source_file,
    }


def _exception_message(events: list[dict[str, Any]]) -> str | None:
    for event in events:
        if event.get("name") == "exception":
            for kv in event.get("attributes") or ():
                if kv.get("key") == "exception.message":
                    return (kv.get("value") or {}).get("stringValue")
    return None
