"""Lenient parsing of the canonical span schema's text and JSON columns.

A missing, null or malformed value reads as empty instead of raising: one badly
instrumented span must never stop a night's evaluation.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd


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


def text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def timestamp(value: Any) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def number(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) else result


def _json(value: Any) -> Any:
    if isinstance(value, list | dict):
        return value
    raw = text(value)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def json_list(value: Any) -> list[Any]:
    parsed = _json(value)
    return parsed if isinstance(parsed, list) else []


def is_json_container(value: Any) -> bool:
    """Whether ``value`` is (or is text of) a JSON object or array."""
    return isinstance(_json(value), list | dict)


def json_dict(value: Any) -> dict[str, Any] | None:
    parsed = _json(value)
    return parsed if isinstance(parsed, dict) else None


def _content(value: Any) -> str:
    """Message content as text; multi-part content keeps its text parts."""
    if isinstance(value, list):
        parts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in value]
        return "\n".join(p for p in parts if p)
    return text(value)


def messages(value: Any) -> tuple[Message, ...]:
    return tuple(
        Message(role=text(m.get("role")), content=_content(m.get("content")))
        for m in json_list(value)
        if isinstance(m, dict)
    )


def last_content(history: tuple[Message, ...], role: str) -> str:
    return next((m.content for m in reversed(history) if m.role == role and m.content), "")


def tool_calls(value: Any) -> tuple[ToolCall, ...]:
    return tuple(
        ToolCall(text(c.get("id")), text(c.get("name")), _arguments(c.get("arguments")))
        for c in json_list(value)
        if isinstance(c, dict)
    )


def _arguments(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else text(value)


def documents(value: Any) -> tuple[Document, ...]:
    return tuple(
        Document(text(d.get("id")), text(d.get("content")))
        for d in json_list(value)
        if isinstance(d, dict) and text(d.get("content"))
    )
