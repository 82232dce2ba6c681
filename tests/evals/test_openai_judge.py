"""OpenAIJudge against a real HTTP server on loopback, faults included."""

from __future__ import annotations

import logging
import re

import pytest
from judge_kit import KEY, FakeClock, ask, grounded_request, make_judge
from servers.openai_server import Fault, OpenAIServer, estimate_tokens, verdict_responder
from span_table import PARTITION, SpanTable, evaluate, only

from fi_dagster.config import JudgeConfig
from fi_dagster.evals import build_judge
from fi_dagster.stats.prices import cost_usd

DOCS = [{"id": "d1", "content": "Orders ship within two business days from Lisbon."}]


def rag_trace(spans: SpanTable, answer: str) -> SpanTable:
    spans.add("t1", "root", "CHAIN", input_text="When will it ship?")
    spans.add("t1", "ret", "RETRIEVER", parent="root", at=1, retrieval_documents=DOCS)
    spans.add("t1", "gen", parent="root", at=2, output_text=answer)
    return spans


def test_verdict_becomes_a_priced_result_row(spans: SpanTable, openai_server: OpenAIServer) -> None:
    openai_server.responder = verdict_responder(0.8, "one claim lacks support")
    judge = build_judge(api_key=KEY, base_url=openai_server.url + "/v1", model="gpt-4o-mini")
    results = evaluate(rag_trace(spans, "Orders ship in two days."), judge=judge)
    row = only(results, "Groundedness")
    assert (row.score, row.passed, row.reason) == (0.8, True, "one claim lacks support")
    (request,) = [
        r for r in openai_server.requests if "grounded in the documents" in _system(r.body)
    ]
    prompt = "".join(m["content"] for m in request.body["messages"])
    assert row.judge_prompt_tokens == estimate_tokens(prompt)
    assert row.judge_completion_tokens > 0
    expected = cost_usd(
        "gpt-4o-mini", row.judge_prompt_tokens, row.judge_completion_tokens, PARTITION
    )
    assert row.judge_cost_usd == pytest.approx(expected) and row.judge_cost_usd > 0
    assert request.body["model"] == "gpt-4o-mini"
    assert request.body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in request.body["messages"]] == ["system", "user"]
    judged = results[results["judge_model"] == "gpt-4o-mini"]
    assert set(judged["evaluator"]) == {"Groundedness", "HallucinationScore", "FactualAccuracy"}
    assert len(openai_server.requests) == 3


def test_server_error_then_success(openai_server: OpenAIServer) -> None:
    openai_server.inject("500")
    clock = FakeClock()
    verdict = ask(make_judge(openai_server, clock))
    assert (verdict.status, verdict.score) == ("ok", 1.0)
    assert len(openai_server.requests) == 2 and len(clock.waits) == 1


def test_rate_limit_waits_as_long_as_retry_after_says(openai_server: OpenAIServer) -> None:
    openai_server.inject(Fault("429", retry_after=2.5))
    clock = FakeClock()
    judge = make_judge(openai_server, clock)
    verdict = ask(judge)
    assert verdict.status == "ok" and clock.waits == [2.5]
    assert judge.executor.stats.failures["rate_limited"] == 1


def test_timeout_is_retried(openai_server: OpenAIServer) -> None:
    openai_server.inject("timeout")
    clock = FakeClock()
    judge = make_judge(openai_server, clock, timeout_s=0.3)
    verdict = ask(judge)
    assert verdict.status == "ok" and len(clock.waits) == 1
    assert judge.executor.stats.failures["timeout"] == 1


def test_persistent_server_errors_become_error_rows(
    spans: SpanTable, openai_server: OpenAIServer
) -> None:
    openai_server.inject(*["500"] * 12)  # three judged evaluators, four attempts each
    clock = FakeClock()
    results = evaluate(rag_trace(spans, "Soon."), judge=make_judge(openai_server, clock))
    judged = results[results["judge_model"] == "judge-1"]
    assert len(judged) == 3 and (judged["status"] == "error").all()
    assert judged["passed"].isna().all() and judged["score"].isna().all()
    assert judged["reason"].str.startswith("gave up after 4 attempts: HTTP 500").all()
    assert len(openai_server.requests) == 12 and len(clock.waits) == 9


def test_persistent_timeouts_become_errors(openai_server: OpenAIServer) -> None:
    openai_server.inject("timeout", "timeout")
    verdict = ask(make_judge(openai_server, timeout_s=0.2, config=_attempts(2)))
    assert verdict.status == "error" and verdict.score is None
    assert (verdict.error or "").startswith("gave up after 2 attempts: timeout")


def test_junk_verdict_is_asked_again_once(openai_server: OpenAIServer) -> None:
    openai_server.inject("junk_verdict")
    verdict = ask(make_judge(openai_server))
    assert verdict.status == "ok" and len(openai_server.requests) == 2
    first, second = (r.body for r in openai_server.requests)
    assert first == second


def test_junk_verdict_twice_is_an_error_with_its_tokens(openai_server: OpenAIServer) -> None:
    openai_server.inject("junk_verdict", "junk_verdict")
    verdict = ask(make_judge(openai_server))
    assert (verdict.status, verdict.score) == ("error", None)
    assert "malformed verdict after 2 attempts: not JSON" in (verdict.error or "")
    assert verdict.prompt_tokens > 0 and len(openai_server.requests) == 2


def test_out_of_range_score_is_a_malformed_verdict(openai_server: OpenAIServer) -> None:
    openai_server.responder = verdict_responder(7.0, "seven out of ten")
    verdict = ask(make_judge(openai_server))
    assert verdict.status == "error" and "$.score" in (verdict.error or "")
    assert len(openai_server.requests) == 2


def test_unreadable_response_body_is_an_error_not_an_exception(
    openai_server: OpenAIServer,
) -> None:
    openai_server.inject("junk", "junk")
    verdict = ask(make_judge(openai_server))
    assert verdict.status == "error" and "not a chat completion" in (verdict.error or "")


def test_rejected_key_is_not_retried() -> None:
    with OpenAIServer(api_key="the-right-key") as server:
        clock = FakeClock()
        verdict = ask(make_judge(server, clock))
        assert verdict.status == "error" and "401" in (verdict.error or "")
        assert len(server.requests) == 1 and clock.waits == []


def test_api_key_never_appears_in_errors_or_logs(
    openai_server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    openai_server.responder = lambda _request: f"I cannot judge this, my key is {KEY}"
    caplog.set_level(logging.DEBUG)
    judge = make_judge(openai_server, config=JudgeConfig(redact_pii=False))
    verdict = ask(judge)
    assert verdict.status == "error" and "[redacted]" in (verdict.error or "")
    assert KEY not in (verdict.error or "") and KEY not in caplog.text and KEY not in repr(judge)


def test_agent_trajectory_reaches_the_judge(spans: SpanTable, openai_server: OpenAIServer) -> None:
    spans.add("t1", "agent", "AGENT", input_text="Cancel order ORD-9", output_text="Done.")
    spans.add(
        "t1",
        "plan",
        parent="agent",
        at=1,
        tool_calls=[{"id": "c1", "name": "cancel_order", "arguments": '{"id": "ORD-9"}'}],
    )
    spans.add("t1", "tool", "TOOL", parent="agent", at=2, name="cancel_order", status="ERROR",
              status_message="order already shipped")  # fmt: skip
    evaluate(spans, judge=make_judge(openai_server))
    (request,) = openai_server.requests
    user = _user(request.body)
    trajectory = user.split("<<<TRAJECTORY\n")[1].split("\n>>>")[0]
    assert 'calls cancel_order({"id": "ORD-9"})' in trajectory
    assert "cancel_order [TOOL] ERROR" in trajectory and "order already shipped" in trajectory
    assert "<<<FINAL_ANSWER\nDone.\n>>>" in user


def test_many_items_come_back_in_order_under_concurrency(openai_server: OpenAIServer) -> None:
    openai_server.responder = lambda body: (
        '{"score": %s, "reason": "r"}' % (int(re.search(r"item (\d+)", _user(body))[1]) / 100)
    )
    requests = [grounded_request(f"item {i}") for i in range(16)]
    verdicts = make_judge(openai_server).judge_many(requests)
    assert [v.score for v in verdicts] == [i / 100 for i in range(16)]


def _attempts(n: int) -> JudgeConfig:
    return JudgeConfig(requests_per_minute=None, tokens_per_minute=None, max_attempts=n)


def _user(body: dict) -> str:
    return body["messages"][1]["content"]


def _system(body: dict) -> str:
    return body["messages"][0]["content"]
