"""The canonical span schema: one row per span, whatever convention wrote it.

Everything downstream of ``traces/`` sees only these columns (DESIGN.md contract).
"""

from __future__ import annotations

import pyarrow as pa

SPAN_KINDS = (
    "LLM",
    "CHAIN",
    "AGENT",
    "TOOL",
    "RETRIEVER",
    "EMBEDDING",
    "RERANKER",
    "GUARDRAIL",
    "EVALUATOR",
    "UNKNOWN",
)
STATUSES = ("OK", "ERROR", "UNSET")
COHORT_COLUMNS = ("model", "prompt_version", "route", "tenant")

SPAN_SCHEMA = pa.schema(
    [
        ("partition_date", pa.string()),
        ("trace_id", pa.string()),
        ("span_id", pa.string()),
        ("parent_span_id", pa.string()),
        ("name", pa.string()),
        ("span_kind", pa.string()),
        ("start_time", pa.timestamp("us", tz="UTC")),
        ("end_time", pa.timestamp("us", tz="UTC")),
        ("latency_ms", pa.float64()),
        ("status", pa.string()),
        ("status_message", pa.string()),
        ("service_name", pa.string()),
        ("model", pa.string()),
        ("provider", pa.string()),
        ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()),
        ("total_tokens", pa.int64()),
        ("tokens_estimated", pa.bool_()),
        ("input_text", pa.string()),
        ("output_text", pa.string()),
        ("input_messages", pa.string()),
        ("output_messages", pa.string()),
        ("tool_calls", pa.string()),
        ("retrieval_documents", pa.string()),
        ("session_id", pa.string()),
        ("user_id", pa.string()),
        ("tenant", pa.string()),
        ("route", pa.string()),
        ("prompt_version", pa.string()),
        ("attributes", pa.string()),
        # Added columns (the contract allows additions):
        ("span_model", pa.string()),  # model named on this span (cohort `model` is per trace)
        ("convention", pa.string()),  # openinference | traceai | otel_genai | parquet | unknown
        ("tools", pa.string()),  # JSON list of tool definitions offered to an LLM span
        ("response_format", pa.string()),  # JSON of the requested response_format, if any
        ("source_file", pa.string()),
        ("cached_prompt_tokens", pa.int64()),  # prompt tokens served from the provider's cache
        ("reasoning_tokens", pa.int64()),  # completion tokens spent on hidden reasoning
    ]
)
SPAN_COLUMNS = tuple(SPAN_SCHEMA.names)
TOKEN_COLUMNS = (
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cached_prompt_tokens",
    "reasoning_tokens",
)
