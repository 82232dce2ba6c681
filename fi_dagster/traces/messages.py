"""Messages, tool calls, tool definitions and documents, whichever way a convention lists them.

Two encodings exist: flattened keys (``llm.input_messages.0.message.role`` — OpenInference
and traceAI) and one JSON-string attribute (``gen_ai.input.messages`` — newer OTel GenAI
semconv, messages made of typed ``parts``). Both become canonical lists of plain dicts:
messages ``{"role", "content", "tool_calls"?, "tool_call_id"?}``, tool calls
``{"id", "name", "arguments"}`` (arguments as JSON text), documents ``{"id", "content",
"score"}`` and tool definitions as written (OpenAI function shape or GenAI semconv shape).
"""

from __future__ import annotations

from typing import Any

import orjson

from fi_dagster.traces import conventions as cv

# list prefix (dotted) -> index -> {rest of key: value}
Flattened = dict[str, dict[int, dict[str, Any]]]
LIST_PREFIXES = (
    cv.INPUT_MESSAGE_PREFIXES + cv.OUTPUT_MESSAGE_PREFIXES + cv.DOCUMENT_PREFIXES + cv.TOOL_PREFIXES
)
DOTTED_PREFIXES = tuple(p + "." for p in LIST_PREFIXES)


def as_text(value: Any) -> str | None:
    """Strings stay; anything else becomes its JSON text."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value, default=str).decode()


def json_value(value: Any) -> Any:
    """Parse a JSON-string attribute; ``None`` when it is not valid JSON (not a string too)."""
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def _indexed(fields: dict[str, Any] | None) -> list[dict[str, Any]]:
    """``{"0.message.role": v, ...}`` → ``[{"message.role": v}, ...]`` in index order."""
    if not fields:
        return []
    items: dict[int, dict[str, Any]] = {}
    for key, value in fields.items():
        index, _, rest = key.partition(".")
        if rest and index.isdigit():
            items.setdefault(int(index), {})[rest] = value
    return [items[i] for i in sorted(items)]


def _in_order(items: dict[int, dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [items[i] for i in sorted(items)] if items else []


def _first_group(flat: Flattened, prefixes: tuple[str, ...]) -> dict[int, dict] | None:
    for prefix in prefixes:
        group = flat.get(prefix + ".")
        if group:
            return group
    return None


def flattened_messages(flat: Flattened, prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
    messages = []
    for fields in _in_order(_first_group(flat, prefixes)):
        message = {"role": fields.get(cv.MESSAGE_ROLE), "content": fields.get(cv.MESSAGE_CONTENT)}
        if len(fields) > (cv.MESSAGE_ROLE in fields) + (cv.MESSAGE_CONTENT in fields):
            _add_details(message, fields)  # multi-part content, tool calls, tool_call_id
        messages.append(message)
    return messages


def _add_details(message: dict[str, Any], fields: dict[str, Any]) -> None:
    if message["content"] is None:
        parts = _indexed(_sub(fields, cv.MESSAGE_CONTENTS))
        texts = [p.get(cv.MESSAGE_CONTENT_TEXT) for p in parts]
        message["content"] = "\n".join(t for t in texts if isinstance(t, str)) or None
    calls = [_flattened_call(c) for c in _indexed(_sub(fields, cv.MESSAGE_TOOL_CALLS))]
    if calls:
        message["tool_calls"] = calls
    if fields.get(cv.MESSAGE_TOOL_CALL_ID) is not None:
        message["tool_call_id"] = fields[cv.MESSAGE_TOOL_CALL_ID]


def _sub(fields: dict[str, Any], name: str) -> dict[str, Any]:
    dotted = name + "."
    return {k[len(dotted) :]: v for k, v in fields.items() if k.startswith(dotted)}


def _flattened_call(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": fields.get(cv.TOOL_CALL_ID),
        "name": fields.get(cv.TOOL_CALL_NAME),
        "arguments": as_text(fields.get(cv.TOOL_CALL_ARGUMENTS)),
    }


def json_messages(parsed: Any) -> list[dict[str, Any]] | None:
    """GenAI semconv messages (``[{"role", "parts": [...]}]``); None when not that shape."""
    if not isinstance(parsed, list):
        return None
    messages = []
    for item in parsed:
        if not isinstance(item, dict):
            return None
        messages.append(_json_message(item))
    return messages


def _json_message(item: dict[str, Any]) -> dict[str, Any]:
    parts = item.get(cv.PART_LIST)
    if not isinstance(parts, list):  # already flat: {"role", "content"}
        return {"role": item.get(cv.MESSAGE_JSON_ROLE), "content": as_text(item.get("content"))}
    texts, calls = [], []
    for part in parts:
        if not isinstance(part, dict):
            continue
        if part.get(cv.PART_TYPE) == cv.PART_TOOL_CALL:
            calls.append(
                {
                    "id": part.get(cv.PART_ID),
                    "name": part.get(cv.PART_NAME),
                    "arguments": as_text(part.get(cv.PART_ARGUMENTS)),
                }
            )
        elif part.get(cv.PART_TYPE) in cv.PART_TEXT_TYPES or cv.PART_TEXT in part:
            texts.append(as_text(part.get(cv.PART_TEXT)) or "")
    message: dict[str, Any] = {
        "role": item.get(cv.MESSAGE_JSON_ROLE),
        "content": "\n".join(texts) if texts else None,
    }
    if calls:
        message["tool_calls"] = calls
    return message


def system_message(parsed: Any) -> dict[str, Any] | None:
    """``gen_ai.system_instructions`` (a list of parts) as one system message."""
    if isinstance(parsed, str):
        return {"role": "system", "content": parsed}
    if not isinstance(parsed, list):
        return None
    texts = [p.get(cv.PART_TEXT) for p in parsed if isinstance(p, dict)]
    text = "\n".join(t for t in texts if isinstance(t, str))
    return {"role": "system", "content": text} if text else None


def documents(flat: Flattened, parsed_json: Any) -> list[dict[str, Any]]:
    found = [
        {
            "id": as_text(d.get(cv.DOCUMENT_ID)),
            "content": as_text(d.get(cv.DOCUMENT_CONTENT)),
            "score": d.get(cv.DOCUMENT_SCORE),
        }
        for d in _in_order(_first_group(flat, cv.DOCUMENT_PREFIXES))
    ]
    if found or not isinstance(parsed_json, list):
        return found
    return [
        {
            "id": as_text(d.get("id")),
            "content": as_text(d.get("content", d.get("text"))),
            "score": d.get("score"),
        }
        for d in parsed_json
        if isinstance(d, dict)
    ]


def tool_definitions(flat: Flattened, parsed_json: Any) -> list[Any]:
    tools = []
    for fields in _in_order(_first_group(flat, cv.TOOL_PREFIXES)):
        schema = json_value(fields.get(cv.TOOL_JSON_SCHEMA))
        if isinstance(schema, dict):
            tools.append(schema)
    if tools or not isinstance(parsed_json, list):
        return tools
    return [t for t in parsed_json if isinstance(t, dict)]
