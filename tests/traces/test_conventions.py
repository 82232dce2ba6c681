"""Each convention's way of naming a fact lands in the same canonical column."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from otlp_lines import line, span

from fi_dagster.traces import tokens


def one_span(day, **attributes):
    day.write("a.jsonl", line(span(1, 1, **attributes)))
    _, spans = day.ingest()
    return spans.iloc[0]


def test_openinference_flattened_messages_tool_calls_documents_and_tools(day):
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    row = one_span(
        day,
        **{
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o",
            "llm.provider": "openai",
            "llm.input_messages.0.message.role": "system",
            "llm.input_messages.0.message.content": "Be brief.",
            "llm.input_messages.1.message.role": "user",
            "llm.input_messages.1.message.contents.0.message_content.type": "text",
            "llm.input_messages.1.message.contents.0.message_content.text": "Find order 7",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.tool_calls.0.tool_call.id": "c1",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "lookup",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"id":7}',
            "llm.tools.0.tool.json_schema": json.dumps(tool),
            "retrieval.documents.0.document.id": "d1",
            "retrieval.documents.0.document.content": "Order 7 shipped.",
            "retrieval.documents.0.document.score": 0.9,
            "llm.invocation_parameters": json.dumps({"response_format": {"type": "json_object"}}),
            "llm.token_count.prompt": 30,
            "llm.token_count.completion": 5,
            "llm.token_count.prompt_details.cache_read": 12,
            "llm.token_count.completion_details.reasoning": 2,
            "session.id": "s1",
            "user.id": "u1",
            "custom.flag": True,
        },
    )
    assert json.loads(row["input_messages"]) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Find order 7"},
    ]
    assert json.loads(row["tool_calls"]) == [
        {"id": "c1", "name": "lookup", "arguments": '{"id":7}'}
    ]
    assert json.loads(row["retrieval_documents"]) == [
        {"id": "d1", "content": "Order 7 shipped.", "score": 0.9}
    ]
    assert json.loads(row["tools"]) == [tool]
    assert json.loads(row["response_format"]) == {"type": "json_object"}
    assert (row["span_model"], row["provider"], row["span_kind"]) == ("gpt-4o", "openai", "LLM")
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (30, 5, 35)
    assert (row["cached_prompt_tokens"], row["reasoning_tokens"]) == (12, 2)
    assert (row["session_id"], row["user_id"], row["input_text"]) == ("s1", "u1", "Find order 7")
    unmapped = json.loads(row["attributes"])
    assert unmapped["custom.flag"] is True and "llm.invocation_parameters" in unmapped
    assert not any(k.startswith(("llm.input_messages", "llm.token_count")) for k in unmapped)


def test_traceai_flattened_gen_ai_keys_and_declared_kind(day):
    row = one_span(
        day,
        **{
            "gen_ai.span.kind": "VECTOR_DB",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.input.messages.0.message.role": "user",
            "gen_ai.input.messages.0.message.content": "hi",
            "gen_ai.output.messages.0.message.role": "assistant",
            "gen_ai.output.messages.0.message.content": "hello",
            "gen_ai.usage.input_tokens": 3,
            "gen_ai.usage.output_tokens": 1,
            "gen_ai.usage.input_tokens.cache_read": 2,
            "gen_ai.usage.output_tokens.reasoning": 1,
            "gen_ai.tool.definitions": json.dumps([{"type": "function"}]),
            "gen_ai.tool.definitions.0.tool.json_schema": json.dumps({"type": "function"}),
        },
    )
    assert row["convention"] == "traceai" and row["span_kind"] == "RETRIEVER"
    assert (row["input_text"], row["output_text"]) == ("hi", "hello")
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (3, 1, 4)
    assert (row["cached_prompt_tokens"], row["reasoning_tokens"]) == (2, 1)
    assert json.loads(row["tools"]) == [{"type": "function"}]
    assert "gen_ai.tool.definitions" not in json.loads(row["attributes"])


def test_genai_semconv_json_messages_with_parts_and_system_instructions(day):
    inputs = [{"role": "user", "parts": [{"type": "text", "content": "Weather in Oslo?"}]}]
    outputs = [
        {
            "role": "assistant",
            "parts": [
                {"type": "text", "content": "Checking."},
                {"type": "tool_call", "id": "t1", "name": "weather", "arguments": {"city": "Oslo"}},
            ],
            "finish_reason": "tool_calls",
        }
    ]
    row = one_span(
        day,
        **{
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.input.messages": json.dumps(inputs),
            "gen_ai.output.messages": json.dumps(outputs),
            "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Be kind."}]),
            "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": 4,
            "gen_ai.usage.cache_read.input_tokens": 6,
            "gen_ai.usage.reasoning.output_tokens": 3,
            "gen_ai.output.type": "json",
        },
    )
    assert row["convention"] == "otel_genai" and row["span_kind"] == "LLM"
    assert row["span_model"] == "gpt-4o-2024-08-06"  # the response model beats the request's
    assert json.loads(row["input_messages"]) == [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Weather in Oslo?"},
    ]
    assert json.loads(row["tool_calls"]) == [
        {"id": "t1", "name": "weather", "arguments": '{"city":"Oslo"}'}
    ]
    assert (row["input_text"], row["output_text"]) == ("Weather in Oslo?", "Checking.")
    assert (row["cached_prompt_tokens"], row["reasoning_tokens"], row["total_tokens"]) == (6, 3, 14)
    assert json.loads(row["response_format"]) == {"type": "json_object"}
    unmapped = json.loads(row["attributes"])
    assert "gen_ai.input.messages" not in unmapped and "gen_ai.output.type" in unmapped


def test_unparseable_json_messages_are_kept_raw_and_counted(day):
    day.write("a.jsonl", line(span(1, 1, **{"gen_ai.input.messages": "[{broken"})))
    result, spans = day.ingest()
    assert pd.isna(spans.iloc[0]["input_messages"])
    assert json.loads(spans.iloc[0]["attributes"])["gen_ai.input.messages"] == "[{broken"
    assert day.total(result, "wrong_type_values") == 1


@pytest.mark.parametrize(
    ("attributes", "kind"),
    [
        ({"gen_ai.operation.name": "embeddings"}, "EMBEDDING"),
        ({"gen_ai.operation.name": "execute_tool"}, "TOOL"),
        ({"gen_ai.operation.name": "invoke_agent"}, "AGENT"),
        ({"embedding.model_name": "text-embedding-3-small"}, "EMBEDDING"),
        ({"retrieval.documents.0.document.id": "d"}, "RETRIEVER"),
        ({"tool.name": "search"}, "TOOL"),
        ({"gen_ai.request.model": "gpt-4o"}, "LLM"),
        ({"openinference.span.kind": "chain"}, "CHAIN"),
        ({"openinference.span.kind": "NOT_A_KIND", "llm.model_name": "m"}, "LLM"),
        ({"http.route": "/x"}, "UNKNOWN"),
    ],
)
def test_span_kind_is_inferred_when_missing(day, attributes, kind):
    assert one_span(day, **attributes)["span_kind"] == kind


def test_model_falls_back_to_the_invocation_parameters(day):
    row = one_span(day, **{"gen_ai.request.parameters": '{"model": "gpt-4o-mini", "stream": true}'})
    assert row["span_model"] == "gpt-4o-mini"


def test_missing_token_counts_are_estimated_and_flagged(day):
    messages = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-mini",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "How many tokens is this question?",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": "About eight.",
    }
    day.write(
        "a.jsonl",
        line(
            span(1, 1, **messages),
            span(2, 2, **messages, **{"llm.token_count.prompt": 99}),
            span(3, 3, status=2, **messages),
        ),
    )
    _, spans = day.ingest()
    estimated, partial, failed = (spans.iloc[i] for i in range(3))
    count, _ = tokens.counter_for("gpt-4o-mini")
    prompt = (
        count("How many tokens is this question?")
        + tokens.TOKENS_PER_MESSAGE
        + tokens.TOKENS_PER_REPLY
    )
    assert (estimated["prompt_tokens"], estimated["completion_tokens"]) == (
        prompt,
        count("About eight."),
    )
    assert estimated["tokens_estimated"] and estimated["total_tokens"] == prompt + count(
        "About eight."
    )
    assert partial["prompt_tokens"] == 99 and partial["tokens_estimated"]  # completion estimated
    assert not failed["tokens_estimated"] and pd.isna(failed["prompt_tokens"])
