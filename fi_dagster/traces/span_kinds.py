"""The canonical span kind: as the convention declares it, else inferred from the span."""

from __future__ import annotations

from typing import Any

from fi_dagster.traces import conventions as cv
from fi_dagster.traces.schema import SPAN_KINDS

_KIND_SET = frozenset(SPAN_KINDS)


def first_value(attrs: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        value = attrs.get(key)
        if value is not None and value != "":
            return key, value
    return None, None


def span_kind(attrs: dict[str, Any], flat: dict | None = None) -> str:
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
    if first_value(attrs, cv.TOOL_NAME_KEYS)[1] is not None:
        return "TOOL"
    if first_value(attrs, cv.MODEL_KEYS)[1] is not None:
        return "LLM"
    return "UNKNOWN"
