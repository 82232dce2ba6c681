"""Attribute keys of the conventions we read, in one place.

OpenInference (``llm.*``), traceAI (``gen_ai.*`` with flattened messages) and the OTel GenAI
semantic conventions each name the same facts differently; this module lists, per canonical
field, the keys to try in order. Nothing else in the code base spells these strings.
"""

from __future__ import annotations

# --- span kind -----------------------------------------------------------------------------
OPENINFERENCE_SPAN_KIND = "openinference.span.kind"
TRACEAI_SPAN_KIND = "gen_ai.span.kind"
GENAI_OPERATION = "gen_ai.operation.name"

# gen_ai.operation.name values -> canonical span kind (OTel GenAI semconv)
GENAI_OPERATION_KINDS = {
    "chat": "LLM",
    "text_completion": "LLM",
    "generate_content": "LLM",
    "embeddings": "EMBEDDING",
    "execute_tool": "TOOL",
    "invoke_agent": "AGENT",
    "create_agent": "AGENT",
}

# --- scalar fields: canonical name -> keys tried in order ----------------------------------
MODEL_KEYS = ("llm.model_name", "gen_ai.response.model", "gen_ai.request.model")
PROVIDER_KEYS = ("llm.provider", "llm.system", "gen_ai.provider.name", "gen_ai.system")
PROMPT_TOKEN_KEYS = (
    "llm.token_count.prompt",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
)
COMPLETION_TOKEN_KEYS = (
    "llm.token_count.completion",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
)
TOTAL_TOKEN_KEYS = ("llm.token_count.total", "gen_ai.usage.total_tokens")
INPUT_VALUE_KEYS = ("input.value", "gen_ai.prompt", "raw.input")
OUTPUT_VALUE_KEYS = ("output.value", "gen_ai.completion", "raw.output")
SESSION_KEYS = ("session.id", "gen_ai.conversation.id")
USER_KEYS = ("user.id", "enduser.id")
INVOCATION_PARAMETER_KEYS = ("llm.invocation_parameters", "gen_ai.request.parameters")
GENAI_OUTPUT_TYPE = "gen_ai.output.type"
SERVICE_NAME = "service.name"
METADATA = "metadata"

# --- flattened lists: prefix of "<prefix>.<index>.<rest>" ----------------------------------
INPUT_MESSAGE_PREFIXES = ("llm.input_messages", "gen_ai.input.messages")
OUTPUT_MESSAGE_PREFIXES = ("llm.output_messages", "gen_ai.output.messages")
DOCUMENT_PREFIXES = ("retrieval.documents",)
TOOL_PREFIXES = ("llm.tools", "gen_ai.tools")

MESSAGE_ROLE = "message.role"
MESSAGE_CONTENT = "message.content"
MESSAGE_TOOL_CALLS = "message.tool_calls"
TOOL_CALL_ID = "tool_call.id"
TOOL_CALL_NAME = "tool_call.function.name"
TOOL_CALL_ARGUMENTS = "tool_call.function.arguments"
DOCUMENT_ID = "document.id"
DOCUMENT_CONTENT = "document.content"
DOCUMENT_SCORE = "document.score"
TOOL_JSON_SCHEMA = "tool.json_schema"

# --- which convention wrote a span ---------------------------------------------------------
OPENINFERENCE = "openinference"
TRACEAI = "traceai"
OTEL_GENAI = "otel_genai"
UNKNOWN = "unknown"


def detect_convention(attrs: dict) -> str:
    """Name the convention that wrote these span attributes."""
    if OPENINFERENCE_SPAN_KIND in attrs or "llm.model_name" in attrs:
        return OPENINFERENCE
    if TRACEAI_SPAN_KIND in attrs:
        return TRACEAI
    if any(k.startswith("gen_ai.") for k in attrs):
        return OTEL_GENAI
    return UNKNOWN
