"""The judgment cache: a re-run or backfill pays for nothing it already judged."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
import sqlalchemy as sa
from judge_kit import grounded_request, make_judge
from servers.openai_server import OpenAIServer
from span_table import SpanTable

from fi_dagster.config import EvaluationConfig, JudgeConfig
from fi_dagster.evals import (
    Budget,
    HeuristicJudge,
    JudgeIdentity,
    JudgeVerdict,
    JudgmentCache,
    cache_key,
    evaluate_partition,
    judge_requests,
    judge_totals,
)
from fi_dagster.warehouse import Warehouse

DAY = "2024-06-01"
IDENTITY = JudgeIdentity("judge-1", "t" * 64, "p" * 64)


@pytest.fixture
def cache(warehouse_url: str) -> JudgmentCache:
    return JudgmentCache(Warehouse(warehouse_url).engine)


def traces(spans: SpanTable, n: int) -> SpanTable:
    for i in range(n):
        spans.add(f"t{i}", "gen", input_text=f"Question {i}?", output_text=f"Answer {i}.")
    return spans


def run(spans: SpanTable, judge, cache: JudgmentCache, config=None) -> pd.DataFrame:
    return evaluate_partition(
        spans.frame(), spans.sample(), judge, config or EvaluationConfig(), DAY, cache=cache
    )


def test_rerunning_a_partition_sends_no_requests_and_marks_rows_cached(
    spans: SpanTable, openai_server: OpenAIServer, cache: JudgmentCache
) -> None:
    traces(spans, 5)
    judge = make_judge(openai_server)
    first = run(spans, judge, cache)
    sent = len(openai_server.requests)
    assert sent == 10  # HallucinationScore and FactualAccuracy on five answers
    second = run(spans, judge, cache)
    assert len(openai_server.requests) == sent
    was, now = (f[f["judge_model"] == "judge-1"] for f in (first, second))
    assert not was["cached"].any() and now["cached"].all()
    assert (now["judge_prompt_tokens"] == 0).all() and (now["judge_cost_usd"] == 0).all()
    assert list(now["score"]) == list(was["score"]) and list(now["reason"]) == list(was["reason"])
    assert (judge_totals(second).judged, judge_totals(second).cached) == (0, 10)


def test_a_backfill_of_another_day_reuses_verdicts_for_the_same_content(
    spans: SpanTable, openai_server: OpenAIServer, cache: JudgmentCache
) -> None:
    traces(spans, 3)
    judge = make_judge(openai_server)
    run(spans, judge, cache)
    before = len(openai_server.requests)
    other_day = spans.frame().assign(partition_date="2024-05-01")
    results = evaluate_partition(
        other_day, spans.sample(), judge, EvaluationConfig(), "2024-05-01", cache=cache
    )
    assert len(openai_server.requests) == before
    assert results.loc[results["judge_model"] == "judge-1", "cached"].all()


def test_identical_requests_in_one_run_are_judged_once(
    openai_server: OpenAIServer, cache: JudgmentCache
) -> None:
    requests = [grounded_request("same"), grounded_request("same"), grounded_request("other")]
    verdicts = judge_requests(make_judge(openai_server), requests, partition_date=DAY, cache=cache)
    assert len(openai_server.requests) == 2
    assert [v.cached for v in verdicts] == [False, True, False]
    assert verdicts[1].prompt_tokens == 0 and verdicts[1].score == verdicts[0].score


def test_errors_and_budget_skips_are_not_cached(
    openai_server: OpenAIServer, cache: JudgmentCache
) -> None:
    judge = make_judge(openai_server, config=JudgeConfig(max_attempts=1, concurrency=1))
    requests = [grounded_request(f"a{i}") for i in range(3)]
    openai_server.inject("500")
    first = judge_requests(judge, requests, partition_date=DAY, cache=cache, budget=Budget(2))
    assert [v.status for v in first] == ["error", "ok", "skipped"]
    second = judge_requests(judge, requests, partition_date=DAY, cache=cache)
    assert [(v.status, v.cached) for v in second] == [("ok", False), ("ok", True), ("ok", False)]
    assert len(openai_server.requests) == 4  # 2 the first time, then only the two not cached


def test_any_change_to_what_decides_a_verdict_changes_the_key() -> None:
    request = grounded_request("x")
    base = cache_key(request, IDENTITY).digest
    variants = [
        cache_key(replace(request, evaluator_version="2"), IDENTITY),
        cache_key(replace(request, evaluator="HallucinationScore"), IDENTITY),
        cache_key(request, replace(IDENTITY, model="judge-2")),
        cache_key(request, replace(IDENTITY, template_hash="u" * 64)),
        cache_key(request, replace(IDENTITY, params_hash="q" * 64)),
        cache_key(grounded_request("y"), IDENTITY),
    ]
    digests = {k.digest for k in variants}
    assert base not in digests and len(digests) == len(variants)
    assert cache_key(grounded_request("x"), IDENTITY).digest == base


def test_the_openai_judge_identity_follows_model_template_and_redaction(
    openai_server: OpenAIServer,
) -> None:
    judge = make_judge(openai_server)
    plain = make_judge(openai_server, config=JudgeConfig(redact_pii=False))
    other = make_judge(openai_server, model="judge-2")
    one = judge.identity("groundedness")
    assert one == make_judge(openai_server).identity("groundedness")
    assert one.template_hash != judge.identity("hallucination").template_hash
    assert one.params_hash != plain.identity("groundedness").params_hash
    assert other.identity("groundedness").model == "judge-2"


def test_storing_a_key_twice_keeps_the_first_verdict(cache: JudgmentCache) -> None:
    key = cache_key(grounded_request(), IDENTITY)
    assert cache.store([(key, JudgeVerdict(0.9, "first", prompt_tokens=10))], DAY) == 1
    cache.store([(key, JudgeVerdict(0.1, "second", prompt_tokens=10))], DAY)
    (found,) = cache.lookup([key]).values()
    assert (found.score, found.reason, found.cached, found.prompt_tokens) == (0.9, "first", True, 0)


def test_the_free_heuristic_judge_is_never_cached(spans: SpanTable, cache: JudgmentCache) -> None:
    traces(spans, 2)
    run(spans, HeuristicJudge(), cache)
    results = run(spans, HeuristicJudge(), cache)
    assert not results["cached"].any()
    with cache.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM fi_judgment_cache")) == 0


def test_verdicts_are_saved_while_judging_goes_on(
    openai_server: OpenAIServer, cache: JudgmentCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fi_dagster.evals.judging.FLUSH_EVERY", 2)
    saved_when_asked: list[int] = []

    def responder(_body: dict) -> str:
        with cache.engine.connect() as conn:
            saved_when_asked.append(conn.scalar(sa.text("SELECT count(*) FROM fi_judgment_cache")))
        return '{"score": 1, "reason": "ok"}'

    openai_server.responder = responder
    judge = make_judge(openai_server, config=JudgeConfig(concurrency=1))
    requests = [grounded_request(f"a{i}") for i in range(6)]
    judge_requests(judge, requests, partition_date=DAY, cache=cache)
    assert saved_when_asked == [0, 0, 2, 2, 4, 4]
