"""Map one decoded span, whatever convention wrote it, to a canonical span row.

A row is a tuple in ``ROW_COLUMNS`` order (columnar batches are built from many of them at
once); the partition date and the per-trace cohort columns are added later, when the day is
written. A mapped attribute of the wrong type is coerced when nothing is lost (``"12"`` → 12),
otherwise left out of its column and kept in ``attributes``; either way it is counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from fi_dagster.traces import conventions as cv
from fi_dagster.traces import key_roles as kr
from fi_dagster.traces import messages as msg
from fi_dagster.traces import tokens
from fi_dagster.traces.otlp import AttributeDecoder
from fi_dagster.traces.schema import SPAN_COLUMNS, SPAN_KINDS

LATER_COLUMNS = ("partition_date", "model", "prompt_version", "route", "tenant")
ROW_COLUMNS = tuple(c for c in SPAN_COLUMNS if c not in LATER_COLUMNS)
_KIND_SET = frozenset(SPAN_KINDS)

_JSON_KEYS = frozenset(
    (
        cv.INPUT_MESSAGES_JSON,
        cv.OUTPUT_MESSAGES_JSON,
        cv.SYSTEM_INSTRUCTIONS_JSON,
        cv.TOOL_DEFINITIONS_JSON,
        cv.DOCUMENTS_JSON,
    )
)


def _json_or_none(value: Any) -> str | None:
    return orjson.dumps(value, default=str).decode() if value else None


@dataclass(slots=True)
class _Content:
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    tools: list[Any]


_NO_CONTENT = _Content([], [], [], [])


class SpanNormalizer:
    """Builds canonical rows; counts odd values on the shared ``AttributeDecoder``."""

    def __init__(self, decoder: AttributeDecoder) -> None:
        self.decoder = decoder
        self.roles = kr.KeyRoles()

    def scan(self, items: Any) -> tuple[dict[str, Any], list, list, msg.Flattened, dict]:
        """One pass over a span's OTLP attributes: decoded, each field's preferred value (and
        its key), flattened lists, and what no field maps. Odd entries are dropped, counted."""
        decoder = self.decoder
        counted = (decoder.wrong_type, decoder.oversized)
        try:
            return self._scan(items)
        except (TypeError, KeyError, AttributeError):
            decoder.wrong_type, decoder.oversized = counted  # start over, counting once
            return self._scan(decoder.clean(items))

    def _scan(self, items: Any) -> tuple[dict[str, Any], list, list, msg.Flattened, dict]:
        attrs: dict[str, Any] = {}
        values: list[Any] = [None] * kr.N_FIELDS
        keys: list[Any] = [None] * kr.N_FIELDS
        ranks = [kr.NO_RANK] * kr.N_FIELDS
        flat: msg.Flattened = {}
        unmapped: dict[str, Any] = {}
        # hot loop (every attribute of every span): names bound locally
        decode, cut, limit = self.decoder.value, self.decoder.cut, self.decoder.max_chars
        roles = self.roles
        for kv in items:
            key, value = kv["key"], kv["value"]
            text = value.get("stringValue")
            if text.__class__ is not str:
                value = decode(value)
            else:
                value = text if len(text) <= limit else cut(text)
            attrs[key] = value
            role = roles[key]
            kind = role[0]
            if kind == kr.UNMAPPED:
                unmapped[key] = value
            elif kind == kr.FIELD:
                field = role[1]
                if role[2] < ranks[field] and value is not None and value != "":
                    ranks[field], values[field], keys[field] = role[2], value, key
                if role[3]:
                    unmapped[key] = value
            elif kind == kr.LIST_ITEM:
                items_of = flat.get(role[1])
                if items_of is None:
                    items_of = flat[role[1]] = {}
                fields = items_of.get(role[2])
                if fields is None:
                    fields = items_of[role[2]] = {}
                fields[role[3]] = value
        return attrs, values, keys, flat, unmapped

    def row(
        self,
        ids: tuple[str, str, str | None, bytes],
        times: tuple[int, int],
        status: tuple[str, str | None],
        name: str,
        items: Any,
        service: str | None,
        events: Any,
        source_file: str,
    ) -> tuple[tuple, dict[str, Any]]:
        """The canonical row of one span (``ROW_COLUMNS`` order) and its decoded attributes."""
        attrs, values, keys, flat, unmapped = self.scan(items)
        model, provider, input_text, output_text, session, user = [
            v if v is None or v.__class__ is str else self._odd_text(v, k, unmapped)
            for v, k in zip(values[: kr.N_TEXT], keys[: kr.N_TEXT], strict=True)
        ]
        counts = [
            v if v is None or (v.__class__ is int and v >= 0) else self._odd_count(v, k, unmapped)
            for v, k in zip(values[kr.N_TEXT : kr.PARAMS], keys[kr.N_TEXT : kr.PARAMS], strict=True)
        ]
        params = values[kr.PARAMS]
        model = model or _invoked_model(params)
        kind = span_kind(attrs, flat)
        has_json = not _JSON_KEYS.isdisjoint(attrs)
        content = self._content(attrs, flat, unmapped) if flat or has_json else _NO_CONTENT
        if input_text is None and content.inputs:
            input_text = msg.as_text(content.inputs[-1].get("content"))
        if output_text is None and content.outputs:
            output_text = msg.as_text(content.outputs[0].get("content"))
        estimated = (
            kind == "LLM"
            and status[0] != "ERROR"
            and _estimate(counts, model, content, input_text, output_text)
        )
        if counts[2] is None and (counts[0] is not None or counts[1] is not None):
            counts[2] = (counts[0] or 0) + (counts[1] or 0)
        start, end = times
        row = (
            *ids[:3],
            name,
            kind,
            start // 1000,
            end // 1000,
            (end - start) / 1e6,
            status[0],
            status[1] or _exception_message(events),
            service,
            provider,
            *counts[:3],
            estimated,
            input_text,
            output_text,
            _json_or_none(content.inputs),
            _json_or_none(content.outputs),
            _json_or_none([c for m in content.outputs for c in m.get("tool_calls", ())]),
            _json_or_none(content.documents),
            session,
            user,
            orjson.dumps(unmapped, default=str).decode(),
            model,
            cv.detect_convention(attrs),
            _json_or_none(content.tools),
            _json_or_none(_response_format(params, attrs)),
            source_file,
            *counts[3:],
        )
        return row, attrs

    def _odd_text(self, value: Any, key: str, unmapped: dict) -> str | None:
        """A text field holding something else: a scalar becomes text, the rest stays raw."""
        self.decoder.wrong_type += 1
        if isinstance(value, bool | int | float):
            return str(value)
        unmapped[key] = value  # a list or map where text belongs: keep it, raw
        return None

    def _odd_count(self, value: Any, key: str, unmapped: dict) -> int | None:
        """A token count that is not a non-negative int: coerced if lossless, else kept raw."""
        self.decoder.wrong_type += 1
        number = _whole_number(value)
        if number is None:
            unmapped[key] = value
        return number

    def _content(self, attrs: dict, flat: msg.Flattened, unmapped: dict) -> _Content:
        inputs = msg.flattened_messages(flat, cv.INPUT_MESSAGE_PREFIXES)
        outputs = msg.flattened_messages(flat, cv.OUTPUT_MESSAGE_PREFIXES)
        if not inputs:
            if cv.INPUT_MESSAGES_JSON in attrs:
                inputs = self._json_messages(attrs, cv.INPUT_MESSAGES_JSON, unmapped)
            system = self._parsed_json(attrs, cv.SYSTEM_INSTRUCTIONS_JSON, unmapped)
            system = msg.system_message(system)
            inputs = [system, *inputs] if system else inputs
        if not outputs and cv.OUTPUT_MESSAGES_JSON in attrs:
            outputs = self._json_messages(attrs, cv.OUTPUT_MESSAGES_JSON, unmapped)
        documents = msg.documents(flat, self._parsed_json(attrs, cv.DOCUMENTS_JSON, unmapped))
        tools = msg.tool_definitions(
            flat, self._parsed_json(attrs, cv.TOOL_DEFINITIONS_JSON, unmapped)
        )
        return _Content(inputs, outputs, documents, tools)

    def _parsed_json(self, attrs: dict[str, Any], key: str, unmapped: dict) -> Any:
        """The parsed JSON attribute, removed from ``unmapped``; None (kept, counted) if bad."""
        if key not in attrs:
            return None
        parsed = msg.json_value(attrs[key])
        if parsed is None and attrs[key] not in (None, "null"):
            self.decoder.wrong_type += 1
            return None
        unmapped.pop(key, None)
        return parsed

    def _json_messages(self, attrs: dict, key: str, unmapped: dict) -> list[dict[str, Any]]:
        parsed = self._parsed_json(attrs, key, unmapped)
        messages = msg.json_messages(parsed)
        if messages is None and parsed is not None:
            self.decoder.wrong_type += 1
            unmapped[key] = attrs[key]
        return messages or []


def _whole_number(value: Any) -> int | None:
    """A non-negative whole number from a float or numeric string; None if there is none."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() and number >= 0 else None


def _estimate(counts: list, model: str | None, content: _Content, inp: Any, out: Any) -> bool:
    """Fill missing prompt / completion counts in place; True if any was estimated."""
    estimated = False
    if counts[0] is None:
        counts[0] = tokens.prompt_tokens(model, content.inputs, inp)
        estimated = counts[0] is not None
    if counts[1] is None:
        counts[1] = tokens.completion_tokens(model, content.outputs, out)
        estimated = estimated or counts[1] is not None
    return estimated


def _parameters(params: Any) -> dict[str, Any]:
    params = msg.json_value(params)
    return params if isinstance(params, dict) else {}


def _invoked_model(params: Any) -> str | None:
    """The requested model from the invocation parameters (some spans carry it only there)."""
    if params is None:
        return None
    model = _parameters(params).get(cv.INVOCATION_MODEL)
    return model if isinstance(model, str) and model else None


def _response_format(params: Any, attrs: dict[str, Any]) -> Any:
    if params is not None and (
        not isinstance(params, str) or cv.INVOCATION_RESPONSE_FORMAT in params
    ):
        found = _parameters(params).get(cv.INVOCATION_RESPONSE_FORMAT)
        if found:
            return found
    if attrs.get(cv.GENAI_OUTPUT_TYPE) == cv.GENAI_OUTPUT_TYPE_JSON:
        return {"type": "json_object"}
    return None


def _first(attrs: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        value = attrs.get(key)
        if value is not None and value != "":
            return key, value
    return None, None


def span_kind(attrs: dict[str, Any], flat: msg.Flattened | None = None) -> str:
    """The canonical kind: declared by the convention, else inferred from what the span holds."""
    for key in cv.SPAN_KIND_KEYS:
        declared = attrs.get(key)
        if isinstance(declared, str):
            declared = declared.upper()
            declared = cv.SPAN_KIND_ALIASES.get(declared, declared)
            if declared in _KIND_SET:
                return declared
    operation = attrs.get(cv.GENAI_OPERATION)
    if operation in cv.GENAI_OPERATION_KINDS:
        return cv.GENAI_OPERATION_KINDS[operation]
    if cv.EMBEDDING_MODEL in attrs:
        return "EMBEDDING"
    if flat and any(p + "." in flat for p in cv.DOCUMENT_PREFIXES):
        return "RETRIEVER"
    if _first(attrs, cv.TOOL_NAME_KEYS)[1] is not None:
        return "TOOL"
    if _first(attrs, cv.MODEL_KEYS)[1] is not None:
        return "LLM"
    return "UNKNOWN"


def _exception_message(events: Any) -> str | None:
    if not isinstance(events, list):
        return None
    for event in events:
        if isinstance(event, dict) and event.get("name") == cv.EXCEPTION_EVENT:
            for kv in event.get("attributes") or ():
                if isinstance(kv, dict) and kv.get("key") == cv.EXCEPTION_MESSAGE:
                    value = (kv.get("value") or {}).get("stringValue")
                    return value if isinstance(value, str) else None
    return None
