"""Route ``support_agent``: guardrail, plan, choose tool arguments, call the tool, answer.

A task fails when the arguments break the tool's schema, the tool times out or the provider
errors; the customer then gets an apology instead of an answer about their order.
"""

from __future__ import annotations

import re
from typing import Any

from fi_dagster.demo import semconv as oi
from fi_dagster.demo.llm import LlmReply, LlmRequest, call_llm
from fi_dagster.demo.scenarios import orders
from fi_dagster.demo.scenarios.orders import SupportCase
from fi_dagster.demo.spans import SpanError, SpanRecord
from fi_dagster.demo.trace_context import TraceContext

ROUTE = "support_agent"
ROOT_KIND = "AGENT"
SERVICE = "support-agent"
SCOPE = "openinference.instrumentation.openai_agents"
INVALID_ARGUMENTS_RATE = 0.03
TOOL_TIMEOUT_RATE = 0.01
TOOL_TIMEOUT_MS = 10_000.0
_EMAIL = re.compile(r"\S+@\S+\w")

PLANNER_TEMPLATES = {
    "v3": "You plan how to resolve a customer request. Reply with JSON: intent, order_id, steps.",
    "v4": "You are the planning step of a support agent for an online shop. Read the customer "
    "request and reply with a JSON object with keys intent, order_id and steps. Use only "
    "the tools lookup_order and refund_order.",
}
TOOL_ARGS_TEMPLATE = "Call exactly one tool to carry out the plan. Use the customer's order id."
ANSWER_TEMPLATES = {
    "v3": "Write the reply to the customer from the tool result.",
    "v4": "Write a short, friendly reply to the customer based only on the tool result. Always "
    "mention the order id. If the tool failed, apologise and suggest contacting support.",
}


def support_agent(ctx: TraceContext) -> dict[str, Any]:
    """Build one agent trace; returns its ground-truth labels."""
    case = orders.draw_case(ctx.rng)
    message = _guardrail(ctx, case.text)
    planned = _plan(ctx, case, message)
    if planned.failed:
        return _give_up(ctx, case, "provider_error", None, planned.error)
    invalid = ctx.fails(INVALID_ARGUMENTS_RATE)
    args, validation_error = orders.tool_arguments(ctx.rng, case, valid=not invalid)
    chosen = _choose_arguments(ctx, case, message, planned, args)
    if chosen.failed:
        return _give_up(ctx, case, "provider_error", None, chosen.error)
    tool_span, result = _call_tool(ctx, case, args, validation_error)
    answer = orders.APOLOGY if tool_span.failed else orders.final_answer(case, result)
    answered = _answer(ctx, case, message, tool_span, answer)
    if answered.failed:
        return _give_up(ctx, case, "provider_error", not invalid, answered.error)
    failure = None if not tool_span.failed else "invalid_arguments" if invalid else "tool_timeout"
    labels = {"task_completed": failure is None, "tool_args_valid": not invalid, "failure": failure}
    return ctx.finish(case.text, answer, labels)


def _give_up(
    ctx: TraceContext, case: SupportCase, failure: str, args_valid: bool | None, error: SpanError
) -> dict[str, Any]:
    labels = {"task_completed": False, "tool_args_valid": args_valid, "failure": failure}
    return ctx.finish(case.text, orders.APOLOGY, labels, error)


def _guardrail(ctx: TraceContext, text: str) -> str:
    """Redact e-mail addresses before any model sees the request (no judge involved)."""
    redacted = _EMAIL.sub("[EMAIL]", text)
    found = redacted != text
    verdict = {"pii_detected": found, "entities": ["EMAIL"] if found else [], "action": "redact"}
    attributes = {
        oi.INPUT_VALUE: text,
        oi.OUTPUT_VALUE: oi.json_text(verdict),
        oi.OUTPUT_MIME_TYPE: oi.JSON_MIME,
    }
    ctx.step(
        "pii_guardrail", "GUARDRAIL", SCOPE, ctx.step_ms("pii_guardrail", 18.0, 0.5), attributes
    )
    return redacted


def _plan(ctx: TraceContext, case: SupportCase, message: str) -> SpanRecord:
    template = PLANNER_TEMPLATES[ctx.cohort.prompt_version]
    intent = "refund" if case.tool == "refund_order" else "order_status"
    steps = [f"call {case.tool} for {case.order_id}", "reply to the customer"]
    plan = {"intent": intent, "order_id": case.order_id, "steps": steps}
    request = LlmRequest(
        "planner_llm",
        template,
        [("system", template), ("user", message)],
        hidden_prompt_tokens=ctx.rng.randint(350, 700),
        params={"response_format": {"type": "json_object"}},
    )
    return call_llm(ctx, request, LlmReply(oi.json_text(plan), oi.JSON_MIME))


def _choose_arguments(
    ctx: TraceContext, case: SupportCase, message: str, plan: SpanRecord, args: dict[str, Any]
) -> SpanRecord:
    request = LlmRequest(
        "tool_args_llm",
        TOOL_ARGS_TEMPLATE,
        [
            ("system", TOOL_ARGS_TEMPLATE),
            ("user", message),
            ("assistant", plan.attributes[oi.OUTPUT_VALUE]),
        ],
        hidden_prompt_tokens=ctx.rng.randint(150, 350),
        params={"tool_choice": "required"},
        tools=list(orders.TOOLS.values()),
    )
    call = (f"call_{ctx.rng.getrandbits(96):024x}", case.tool, oi.json_text(args))
    return call_llm(ctx, request, LlmReply("", tool_call=call))


def _call_tool(
    ctx: TraceContext, case: SupportCase, args: dict[str, Any], validation_error: str
) -> tuple[SpanRecord, dict[str, Any]]:
    """Run the tool: it rejects bad arguments, and sometimes times out."""
    definition = orders.TOOLS[case.tool]["function"]
    attributes: dict[str, Any] = {
        oi.TOOL_NAME: case.tool,
        oi.TOOL_DESCRIPTION: definition["description"],
        oi.TOOL_PARAMETERS: oi.json_text(definition["parameters"]),
        oi.INPUT_VALUE: oi.json_text(args),
        oi.INPUT_MIME_TYPE: oi.JSON_MIME,
    }
    if validation_error:
        error = SpanError(
            "pydantic_core.ValidationError",
            f"1 validation error for {case.tool}\n{validation_error}",
        )
        return ctx.step(
            case.tool, "TOOL", SCOPE, ctx.step_ms(case.tool, 2.5, 0.4), attributes, error
        ), {}
    if ctx.rng.random() < TOOL_TIMEOUT_RATE:
        error = SpanError("TimeoutError", f"{case.tool} did not respond within 10 seconds")
        duration = TOOL_TIMEOUT_MS + ctx.rng.uniform(0.0, 15.0)
        return ctx.step(case.tool, "TOOL", SCOPE, duration, attributes, error), {}
    result = orders.tool_result(ctx.rng, case, ctx.day)
    attributes[oi.OUTPUT_VALUE] = oi.json_text(result)
    attributes[oi.OUTPUT_MIME_TYPE] = oi.JSON_MIME
    median = 140.0 if case.tool == "lookup_order" else 320.0
    return ctx.step(
        case.tool, "TOOL", SCOPE, ctx.step_ms(case.tool, median, 0.6), attributes
    ), result


def _answer(
    ctx: TraceContext, case: SupportCase, message: str, tool_span: SpanRecord, answer: str
) -> SpanRecord:
    template = ANSWER_TEMPLATES[ctx.cohort.prompt_version]
    if tool_span.failed:
        tool_message = f"Error: {tool_span.error.type}: {tool_span.error.message}"
    else:
        tool_message = tool_span.attributes[oi.OUTPUT_VALUE]
    request = LlmRequest(
        "answer_llm",
        template,
        [("system", template), ("user", message), ("tool", tool_message)],
        hidden_prompt_tokens=ctx.rng.randint(250, 600),
    )
    return call_llm(ctx, request, LlmReply(answer))
