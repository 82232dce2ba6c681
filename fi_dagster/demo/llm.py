"""One chat-completion step: its OpenInference attributes, token counts, latency and failures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fi_dagster.demo import semconv as oi
from fi_dagster.demo.spans import SpanError, SpanRecord
from fi_dagster.demo.trace_context import TraceContext

PROVIDER_ERROR_RATE = 0.005  # per call: HTTP 500 / 529 from the provider
SLOW_CALL_RATE = 0.02  # per call: queued behind a rate limit or a cold replica


@dataclass(frozen=True, slots=True)
class ModelProfile:
    """How fast a model answers: time to first token plus time per generated token."""

    provider: str
    first_token_ms: float
    ms_per_token: float


MODELS = {
    "gpt-4o-mini-2024-07-18": ModelProfile("openai", 380.0, 9.0),
    "gpt-4o-2024-08-06": ModelProfile("openai", 520.0, 16.0),
    "claude-3-5-sonnet-20241022": ModelProfile("anthropic", 650.0, 15.0),
}
PROVIDER_ERRORS = {
    "openai": SpanError(
        "openai.InternalServerError",
        "Error code: 500 - {'error': {'message': 'The server had an error while processing "
        "your request. Sorry about that!', 'type': 'server_error'}}",
    ),
    "anthropic": SpanError(
        "anthropic.InternalServerError",
        "Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error', "
        "'message': 'Overloaded'}}",
    ),
}


@dataclass(frozen=True)
class LlmRequest:
    """What a step sends: its prompt template, messages and extra request parameters."""

    step: str
    template: str
    messages: Sequence[tuple[str, str]]
    hidden_prompt_tokens: int = 0  # few-shot examples / history not reproduced in messages
    params: Mapping[str, Any] = field(default_factory=dict)
    tools: Sequence[dict[str, Any]] = ()


@dataclass(frozen=True)
class LlmReply:
    """What the model answers: text (or JSON text), or a single tool call."""

    text: str
    mime_type: str = oi.TEXT_MIME
    tool_call: tuple[str, str, str] | None = None  # (id, function name, arguments JSON)


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def call_llm(ctx: TraceContext, request: LlmRequest, reply: LlmReply) -> SpanRecord:
    """Record one LLM call; at a small rate the provider fails it instead of answering."""
    profile = MODELS[ctx.cohort.model]
    scope = f"openinference.instrumentation.{profile.provider}"
    attributes = _request_attributes(ctx, request)
    if ctx.rng.random() < PROVIDER_ERROR_RATE:
        duration = ctx.step_ms(request.step, profile.first_token_ms * 0.8, 0.6)
        error = PROVIDER_ERRORS[profile.provider]
        return ctx.step(request.step, "LLM", scope, duration, attributes, error)
    prompt_tokens = int(_prompt_tokens(request) * ctx.effects.token_factor(request.step))
    completion_tokens = estimate_tokens(reply.text or (reply.tool_call or ("", "", ""))[2]) + 3
    attributes.update(_reply_attributes(reply))
    attributes[oi.PROMPT_TOKENS] = prompt_tokens
    attributes[oi.COMPLETION_TOKENS] = completion_tokens
    attributes[oi.TOTAL_TOKENS] = prompt_tokens + completion_tokens
    duration = _latency_ms(ctx, profile, prompt_tokens, completion_tokens)
    duration *= ctx.effects.latency_factor(request.step)
    return ctx.step(request.step, "LLM", scope, duration, attributes)


def _latency_ms(ctx: TraceContext, profile: ModelProfile, prompt: int, completion: int) -> float:
    """Time to first token (heavy-tailed, grows with the prompt) plus generation time."""
    rng = ctx.rng
    first_token = profile.first_token_ms * rng.lognormvariate(0.0, 0.55) + prompt * 0.02
    duration = first_token + completion * profile.ms_per_token * rng.lognormvariate(0.0, 0.15)
    if rng.random() < SLOW_CALL_RATE:
        duration *= rng.uniform(2.5, 6.0)
    return duration


def _prompt_tokens(request: LlmRequest) -> int:
    text = sum(len(content) for _, content in request.messages)
    tools = sum(len(oi.json_text(tool)) for tool in request.tools)
    return (text + tools) // 4 + 4 * len(request.messages) + request.hidden_prompt_tokens


def _request_attributes(ctx: TraceContext, request: LlmRequest) -> dict[str, Any]:
    model = ctx.cohort.model
    provider = MODELS[model].provider
    params = {"model": model, "temperature": 0.2, "max_tokens": 1024, **request.params}
    attributes: dict[str, Any] = {
        oi.MODEL_NAME: model,
        oi.PROVIDER: provider,
        oi.SYSTEM: provider,
        oi.INVOCATION_PARAMETERS: oi.json_text(params),
        oi.PROMPT_TEMPLATE_VERSION: ctx.cohort.prompt_version,
        oi.PROMPT_TEMPLATE: request.template,
        oi.INPUT_VALUE: oi.json_text(
            {"messages": [{"role": r, "content": c} for r, c in request.messages]}
        ),
        oi.INPUT_MIME_TYPE: oi.JSON_MIME,
    }
    attributes.update(oi.messages("input", request.messages))
    attributes.update(oi.tool_definitions(request.tools))
    return attributes


def _reply_attributes(reply: LlmReply) -> dict[str, Any]:
    if reply.tool_call is not None:
        call_id, name, arguments = reply.tool_call
        attributes = oi.tool_call(call_id, name, arguments)
        call = {"id": call_id, "function": {"name": name, "arguments": arguments}}
        attributes[oi.OUTPUT_VALUE] = oi.json_text({"tool_calls": [call]})
        attributes[oi.OUTPUT_MIME_TYPE] = oi.JSON_MIME
        return attributes
    attributes = oi.messages("output", [("assistant", reply.text)])
    attributes[oi.OUTPUT_VALUE] = reply.text
    attributes[oi.OUTPUT_MIME_TYPE] = reply.mime_type
    return attributes
