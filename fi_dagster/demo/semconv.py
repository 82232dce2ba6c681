"""OpenInference attribute keys the generator writes, and helpers that flatten lists.

The reader's list of accepted keys lives in ``fi_dagster.traces.conventions``; this module is
the writer's side, so synthetic spans look exactly like an instrumented app's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

SPAN_KIND = "openinference.span.kind"
MODEL_NAME = "llm.model_name"
PROVIDER = "llm.provider"
SYSTEM = "llm.system"
INVOCATION_PARAMETERS = "llm.invocation_parameters"
PROMPT_TOKENS = "llm.token_count.prompt"
COMPLETION_TOKENS = "llm.token_count.completion"
TOTAL_TOKENS = "llm.token_count.total"
PROMPT_TEMPLATE_VERSION = "llm.prompt_template.version"
PROMPT_TEMPLATE = "llm.prompt_template.template"
EMBEDDING_MODEL_NAME = "embedding.model_name"
EMBEDDING_TEXT = "embedding.embeddings.0.embedding.text"
INPUT_VALUE = "input.value"
OUTPUT_VALUE = "output.value"
INPUT_MIME_TYPE = "input.mime_type"
OUTPUT_MIME_TYPE = "output.mime_type"
TOOL_NAME = "tool.name"
TOOL_DESCRIPTION = "tool.description"
TOOL_PARAMETERS = "tool.parameters"
SESSION_ID = "session.id"
USER_ID = "user.id"
METADATA = "metadata"
TAGS = "tag.tags"
ROUTE = "route"
TENANT_ID = "tenant.id"

SERVICE_NAME = "service.name"
SERVICE_VERSION = "service.version"
DEPLOYMENT_ENVIRONMENT = "deployment.environment"

EXCEPTION_EVENT = "exception"
EXCEPTION_TYPE = "exception.type"
EXCEPTION_MESSAGE = "exception.message"
EXCEPTION_STACKTRACE = "exception.stacktrace"

JSON_MIME = "application/json"
TEXT_MIME = "text/plain"


def json_text(value: Any) -> str:
    """Compact JSON text, as instrumentations store structured attribute values."""
    return orjson.dumps(value).decode()


def messages(direction: str, items: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Flatten ``(role, content)`` pairs into ``llm.<direction>_messages.<i>.message.*`` keys."""
    out: dict[str, str] = {}
    for i, (role, content) in enumerate(items):
        prefix = f"llm.{direction}_messages.{i}.message"
        out[f"{prefix}.role"] = role
        out[f"{prefix}.content"] = content
    return out


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, str]:
    """The first output message's single tool call, flattened."""
    prefix = "llm.output_messages.0.message.tool_calls.0.tool_call"
    return {
        "llm.output_messages.0.message.role": "assistant",
        f"{prefix}.id": call_id,
        f"{prefix}.function.name": name,
        f"{prefix}.function.arguments": arguments,
    }


def tool_definitions(tools: Sequence[dict[str, Any]]) -> dict[str, str]:
    """``llm.tools.<i>.tool.json_schema`` for each OpenAI-style function definition."""
    return {f"llm.tools.{i}.tool.json_schema": json_text(tool) for i, tool in enumerate(tools)}


def documents(docs: Sequence[tuple[str, str, float]]) -> dict[str, Any]:
    """Flatten ``(id, content, score)`` triples into ``retrieval.documents.<i>.document.*``."""
    out: dict[str, Any] = {}
    for i, (doc_id, content, score) in enumerate(docs):
        prefix = f"retrieval.documents.{i}.document"
        out[f"{prefix}.id"] = doc_id
        out[f"{prefix}.content"] = content
        out[f"{prefix}.score"] = score
    return out
