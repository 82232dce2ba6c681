"""Map one decoded span, whatever convention wrote it, to a canonical span row.

A row is a tuple in ``ROW_COLUMNS`` order (columnar batches are built from many of them at
once); the partition date and the per-trace cohort columns are added later, when the day is
written. A mapped attribute of the wrong type is coerced when nothing is lost (``"12"`` → 12),
otherwise left out of its column and kept in ``attributes``; either way it is counted.
"""

from __future__ import annotations

from typing import Any

import orjson

from fi_dagster.traces import conventions as cv
from fi_dagster.traces import key_roles as kr
from fi_dagster.traces import messages as msg
from fi_dagster.traces import tokens
from fi_dagster.traces.content import (
    JSON_KEYS,
    NO_CONTENT,
    Content,
    ContentReader,
    invoked_model,
    response_format,
)
from fi_dagster.traces.otlp import INT64_MAX, AttributeDecoder
from fi_dagster.traces.otlp_model import KeyValue
from fi_dagster.traces.schema import SPAN_COLUMNS
from fi_dagster.traces.span_kinds import span_kind

_INT64_LIMIT = float(INT64_MAX + 1)  # a float count below this fits an int64
LATER_COLUMNS = ("partition_date", "model", "prompt_version", "route", "tenant")
ROW_COLUMNS = tuple(c for c in SPAN_COLUMNS if c not in LATER_COLUMNS)


def _json_or_none(value: Any) -> bytes | None:
    """JSON as UTF-8 bytes (Arrow takes them for string columns without a decode)."""
    return orjson.dumps(value, default=str) if value else None


class SpanNormalizer:
    """Builds canonical rows; counts odd values on the shared ``AttributeDecoder``."""

    def __init__(self, decoder: AttributeDecoder) -> None:
        self.decoder = decoder
        self.roles = kr.KeyRoles()
        self.content = ContentReader(decoder)

    def scan(
        self, items: list[KeyValue] | None
    ) -> tuple[dict[str, Any], list, list, msg.Flattened, dict]:
        """One pass over a span's OTLP attributes: decoded, each field's preferred value (and
        its key), flattened lists, and what no field maps."""
        attrs: dict[str, Any] = {}
        values: list[Any] = [None] * kr.N_FIELDS
        keys: list[Any] = [None] * kr.N_FIELDS
        ranks = [kr.NO_RANK] * kr.N_FIELDS
        flat: msg.Flattened = {}
        unmapped: dict[str, Any] = {}
        # hot loop (every attribute of every span): names bound locally
        decode, cut, limit = self.decoder.value, self.decoder.cut, self.decoder.max_chars
        roles = self.roles
        for kv in items or ():
            key, value = kv.key, kv.value
            text = value.stringValue
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
        items: list[KeyValue] | None,
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
        model = model or invoked_model(params)
        kind = span_kind(attrs, flat)
        has_json = not JSON_KEYS.isdisjoint(attrs)
        content = self.content.content(attrs, flat, unmapped) if flat or has_json else NO_CONTENT
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
            orjson.dumps(unmapped, default=str),
            model,
            cv.detect_convention(attrs),
            _json_or_none(content.tools),
            _json_or_none(response_format(params, attrs)),
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


def _whole_number(value: Any) -> int | None:
    """A non-negative whole number from a float or numeric string; None if there is none."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() and 0 <= number < _INT64_LIMIT else None


def _estimate(counts: list, model: str | None, content: Content, inp: Any, out: Any) -> bool:
    """Fill missing prompt / completion counts in place; True if any was estimated."""
    estimated = False
    if counts[0] is None:
        counts[0] = tokens.prompt_tokens(model, content.inputs, inp)
        estimated = counts[0] is not None
    if counts[1] is None:
        counts[1] = tokens.completion_tokens(model, content.outputs, out)
        estimated = estimated or counts[1] is not None
    return estimated


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
