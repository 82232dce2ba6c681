"""Attribute keys of the conventions we read, in one place.

OpenInference (``llm.*``), traceAI (``gen_ai.*`` with flattened messages) and the OTel GenAI
semantic conventions each name the same facts differently; this module lists, per canonical
field, the keys to try in order. Nothing else in the code base spells these strings.

Checked against the packages that write them: openinference-semantic-conventions 0.1.42,
fi-instrumentation-otel 1.1.0 (traceAI ``fi_types``) and opentelemetry-util-genai /
opentelemetry-instrumentation-openai-v2 (GenAI semconv, ``gen_ai_latest_experimental``).
"""

from __future__ import annotations

# --- span kind -----------------------------------------------------------------------------
OPENINFERENCE_SPAN_KIND = "openinference.span.kind"
TRACEAI_SPAN_KIND = "gen_ai.span.kind"
SPAN_KIND_KEYS = (OPENINFERENCE_SPAN_KIND, TRACEAI_SPAN_KIND)
# traceAI kinds without a canonical twin
SPAN_KIND_ALIASES = {"CONVERSATION": "CHAIN", "VECTOR_DB": "RETRIEVER"}
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
EMBEDDING_MODEL = "embedding.model_name"
MODEL_KEYS = (
    "llm.model_name",
    "gen_ai.response.model",
    "gen_ai.request.model",
    EMBEDDING_MODEL,
)
# JSON objects of request parameters; their "model" is the last resort for the span's model
INVOCATION_PARAMETER_KEYS = (
    "llm.invocation_parameters",
    "gen_ai.request.parameters",
    "embedding.invocation_parameters",
)
INVOCATION_MODEL = "model"
INVOCATION_RESPONSE_FORMAT = "response_format"
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
CACHED_PROMPT_TOKEN_KEYS = (
    "llm.token_count.prompt_details.cache_read",
    "gen_ai.usage.cache_read.input_tokens",  # GenAI semconv
    "gen_ai.usage.input_tokens.cache_read",  # traceAI
    "gen_ai.usage.cache_read_tokens",  # traceAI (older)
    "gen_ai.usage.cache_read_input_tokens",  # OpenLLMetry
)
REASONING_TOKEN_KEYS = (
    "llm.token_count.completion_details.reasoning",
    "gen_ai.usage.reasoning.output_tokens",  # GenAI semconv
    "gen_ai.usage.output_tokens.reasoning",  # traceAI
)
INPUT_VALUE_KEYS = ("input.value", "gen_ai.prompt", "raw.input")
OUTPUT_VALUE_KEYS = ("output.value", "gen_ai.completion", "raw.output")
SESSION_KEYS = ("session.id", "gen_ai.conversation.id")
USER_KEYS = ("user.id", "enduser.id")
TOOL_NAME_KEYS = ("tool.name", "gen_ai.tool.name")
GENAI_OUTPUT_TYPE = "gen_ai.output.type"
GENAI_OUTPUT_TYPE_JSON = "json"
SERVICE_NAME = "service.name"
METADATA = "metadata"

# --- flattened lists: prefix of "<prefix>.<index>.<rest>" ----------------------------------
INPUT_MESSAGE_PREFIXES = ("llm.input_messages", "gen_ai.input.messages")
OUTPUT_MESSAGE_PREFIXES = ("llm.output_messages", "gen_ai.output.messages")
DOCUMENT_PREFIXES = ("retrieval.documents", "gen_ai.retrieval.documents")
TOOL_PREFIXES = ("llm.tools", "gen_ai.tool.definitions", "gen_ai.tools")

MESSAGE_ROLE = "message.role"
MESSAGE_CONTENT = "message.content"
MESSAGE_CONTENTS = "message.contents"  # multi-part content, flattened
MESSAGE_CONTENT_TEXT = "message_content.text"
MESSAGE_TOOL_CALLS = "message.tool_calls"
MESSAGE_TOOL_CALL_ID = "message.tool_call_id"
TOOL_CALL_ID = "tool_call.id"
TOOL_CALL_NAME = "tool_call.function.name"
TOOL_CALL_ARGUMENTS = "tool_call.function.arguments"
DOCUMENT_ID = "document.id"
DOCUMENT_CONTENT = "document.content"
DOCUMENT_SCORE = "document.score"
TOOL_JSON_SCHEMA = "tool.json_schema"

# --- JSON-valued keys (newer GenAI semconv; traceAI also writes tool definitions so) --------
INPUT_MESSAGES_JSON = "gen_ai.input.messages"
OUTPUT_MESSAGES_JSON = "gen_ai.output.messages"
SYSTEM_INSTRUCTIONS_JSON = "gen_ai.system_instructions"
TOOL_DEFINITIONS_JSON = "gen_ai.tool.definitions"
DOCUMENTS_JSON = "gen_ai.retrieval.documents"
# fields of a GenAI semconv message and its parts
PART_LIST = "parts"
PART_TYPE = "type"
PART_TEXT_TYPES = frozenset({"text", "reasoning"})
PART_TEXT = "content"
PART_TOOL_CALL = "tool_call"
PART_ID = "id"
PART_NAME = "name"
PART_ARGUMENTS = "arguments"
MESSAGE_JSON_ROLE = "role"

# --- errors --------------------------------------------------------------------------------
EXCEPTION_EVENT = "exception"
EXCEPTION_MESSAGE = "exception.message"

# --- which convention wrote a span ---------------------------------------------------------
OPENINFERENCE = "openinference"
TRACEAI = "traceai"
OTEL_GENAI = "otel_genai"
PARQUET = "parquet"
UNKNOWN = "unknown"
CONVENTIONS = (OPENINFERENCE, TRACEAI, OTEL_GENAI, PARQUET, UNKNOWN)

_OPENINFERENCE_MARKERS = (OPENINFERENCE_SPAN_KIND, "llm.model_name", "llm.system", "input.value")
_GENAI_MARKERS = (
    GENAI_OPERATION,
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.system",
    "gen_ai.provider.name",
    "gen_ai.usage.input_tokens",
)


def detect_convention(attrs: dict) -> str:
    """Name the convention that wrote these span attributes (a few dict look-ups)."""
    if TRACEAI_SPAN_KIND in attrs:
        return TRACEAI
    for key in _OPENINFERENCE_MARKERS:
        if key in attrs:
            return OPENINFERENCE
    for key in _GENAI_MARKERS:
        if key in attrs:
            return OTEL_GENAI
    return UNKNOWN
