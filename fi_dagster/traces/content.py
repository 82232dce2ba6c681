"""What one span says was asked and answered: messages, documents, tools, request parameters.

Reads the flattened lists gathered by the attribute scan and the JSON-string attributes of the
newer GenAI semconv; a JSON attribute that does not parse stays in ``attributes`` (counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fi_dagster.traces import conventions as cv
from fi_dagster.traces import messages as msg
from fi_dagster.traces.otlp import AttributeDecoder

JSON_KEYS = frozenset(
    (
        cv.INPUT_MESSAGES_JSON,
        cv.OUTPUT_MESSAGES_JSON,
        cv.SYSTEM_INSTRUCTIONS_JSON,
        cv.TOOL_DEFINITIONS_JSON,
        cv.DOCUMENTS_JSON,
    )
)


@dataclass(slots=True)
class Content:
    """The canonical message, document and tool-definition lists of one span."""

    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    tools: list[Any]


NO_CONTENT = Content([], [], [], [])


class ContentReader:
    """Builds a span's ``Content``; counts odd values on the shared ``AttributeDecoder``."""

    def __init__(self, decoder: AttributeDecoder) -> None:
        self.decoder = decoder

    def content(self, attrs: dict, flat: msg.Flattened, unmapped: dict) -> Content:
        """Flattened lists first; JSON-string attributes where a convention has no lists."""
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
        return Content(inputs, outputs, documents, tools)

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


def _parameters(params: Any) -> dict[str, Any]:
    params = msg.json_value(params)
    return params if isinstance(params, dict) else {}


def invoked_model(params: Any) -> str | None:
    """The requested model from the invocation parameters (some spans carry it only there)."""
    if params is None:
        return None
    model = _parameters(params).get(cv.INVOCATION_MODEL)
    return model if isinstance(model, str) and model else None


def response_format(params: Any, attrs: dict[str, Any]) -> Any:
    if params is not None and (
        not isinstance(params, str) or cv.INVOCATION_RESPONSE_FORMAT in params
    ):
        found = _parameters(params).get(cv.INVOCATION_RESPONSE_FORMAT)
        if found:
            return found
    if attrs.get(cv.GENAI_OUTPUT_TYPE) == cv.GENAI_OUTPUT_TYPE_JSON:
        return {"type": "json_object"}
    return None
