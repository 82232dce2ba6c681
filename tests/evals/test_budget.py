"""Per-partition budget caps: judging stops cleanly and the skipped items say why."""

from __future__ import annotations

import logging

import pytest
from judge_kit import grounded_request, make_judge
from servers.openai_server import OpenAIServer
from span_table import SpanTable, evaluate

from fi_dagster.config import EvaluationConfig, JudgeConfig
from fi_dagster.evals import BUDGET_REASON, Budget, judge_totals


def test_call_cap_admits_that_many_items_then_stops() -> None:
    budget = Budget(max_calls=2)
    assert [budget.admit(0.0) for _ in range(4)] == [True, True, False, False]
    assert (budget.calls, budget.refused, budget.exhausted) == (2, 2, True)


def test_spend_cap_counts_reservations_of_items_in_flight() -> None:
    budget = Budget(max_spend_usd=1.0)
    assert budget.admit(0.4) and budget.admit(0.4)
    assert not budget.admit(0.4)  # 0.8 reserved + 0.4 would overshoot
    budget.settle(0.4, 0.1)
    assert not budget.admit(0.01)  # once refused, judging has stopped for good
    assert budget.spent_usd == pytest.approx(0.1) and budget.reserved_usd == pytest.approx(0.4)


def test_uncapped_budget_admits_everything() -> None:
    budget = Budget()
    assert all(budget.admit(100.0) for _ in range(1000)) and not budget.exhausted


def test_items_beyond_the_cap_are_skipped_without_a_request(openai_server: OpenAIServer) -> None:
    requests = [grounded_request(f"answer {i}") for i in range(5)]
    judge = make_judge(openai_server, config=JudgeConfig(concurrency=1))
    verdicts = judge.judge_many(requests, budget=Budget(max_calls=3))
    assert [v.status for v in verdicts] == ["ok", "ok", "ok", "skipped", "skipped"]
    assert {v.reason for v in verdicts[3:]} == {BUDGET_REASON}
    assert all(v.score is None for v in verdicts[3:])
    assert len(openai_server.requests) == 3


def test_spend_cap_uses_the_price_of_the_real_tokens(openai_server: OpenAIServer) -> None:
    budget = Budget(max_spend_usd=1.0, price=lambda p, c: (p + c) / 2000)  # $0.50 per 1k tokens
    judge = make_judge(openai_server, config=JudgeConfig(concurrency=1))
    verdicts = judge.judge_many([grounded_request(f"a{i}") for i in range(10)], budget=budget)
    judged = [v for v in verdicts if v.status == "ok"]
    spent = sum(v.prompt_tokens + v.completion_tokens for v in judged) / 2000
    assert 0 < len(judged) < 10 and budget.spent_usd == pytest.approx(spent)
    assert budget.spent_usd <= 1.0 and budget.reserved_usd == pytest.approx(0)
    assert all(v.reason == BUDGET_REASON for v in verdicts[len(judged) :])


def test_cap_reached_in_a_partition_is_logged_and_totalled(
    spans: SpanTable, openai_server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    for i in range(4):
        spans.add(f"t{i}", "gen", input_text=f"Question {i}?", output_text=f"Answer {i}.")
    caps = JudgeConfig(max_calls_per_partition=3, concurrency=1)
    config = EvaluationConfig(judge=caps)
    caplog.set_level(logging.WARNING)
    results = evaluate(spans, config, judge=make_judge(openai_server, config=caps))
    judged = results[results["judge_model"] == "judge-1"]
    skipped = judged[judged["reason"] == BUDGET_REASON]
    assert len(judged) == 8 and len(skipped) == 5  # 2 judged evaluators × 4 traces
    assert (skipped["status"] == "skipped").all() and skipped["passed"].isna().all()
    assert len(openai_server.requests) == 3
    assert "judge budget cap reached (max 3 calls): 3 items judged" in caplog.text
    totals = judge_totals(results)
    assert (totals.judged, totals.budget_skipped, totals.budget_cap_reached) == (3, 5, True)
