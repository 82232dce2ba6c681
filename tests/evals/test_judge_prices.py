"""Judge spend is priced like every other cost: the shipped table plus the YAML overrides."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from judge_kit import make_judge, priced_by_hand
from servers.openai_server import OpenAIServer
from span_table import PARTITION, SpanTable, evaluate

from fi_dagster.config import EvaluationConfig, JudgeConfig, PriceOverride
from fi_dagster.stats.prices import PriceTable

SELF_HOSTED = "acme-judge-70b"  # a judge the shipped price table has never heard of
NEXT_DAY = (date.fromisoformat(PARTITION) + timedelta(days=1)).isoformat()


def questions(spans: SpanTable, n: int) -> SpanTable:
    for i in range(n):
        spans.add(f"t{i}", "gen", input_text=f"Question {i}?", output_text=f"Answer {i}.")
    return spans


@pytest.mark.parametrize("in_force", [True, False], ids=["from-the-day", "from-the-next-day"])
def test_an_override_replaces_the_list_price_only_from_its_effective_date(
    spans: SpanTable, openai_server: OpenAIServer, in_force: bool
) -> None:
    override = PriceOverride(
        model="gpt-4o-mini",
        input_per_1m=7.0,
        output_per_1m=21.0,
        effective_from=PARTITION if in_force else NEXT_DAY,
    )
    judge = make_judge(openai_server, model="gpt-4o-mini")
    results = evaluate(questions(spans, 2), judge=judge, price_overrides=[override])
    judged = results[results["judge_model"] == "gpt-4o-mini"]
    assert len(judged) == len(openai_server.requests) == 4
    listed = PriceTable.default().price_for("gpt-4o-mini", PARTITION)
    assert listed is not None and listed.input_per_1m_usd != override.input_per_1m
    if in_force:
        rates = (override.input_per_1m, override.output_per_1m)
    else:
        rates = (listed.input_per_1m_usd, listed.output_per_1m_usd)
    assert list(judged["judge_cost_usd"]) == pytest.approx(priced_by_hand(judged, *rates))


def test_a_self_hosted_judge_priced_only_later_stays_unpriced_and_uncapped(
    spans: SpanTable, openai_server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    later = PriceOverride(
        model=SELF_HOSTED, input_per_1m=1000.0, output_per_1m=4000.0, effective_from=NEXT_DAY
    )
    caps = JudgeConfig(concurrency=1, max_spend_usd_per_partition=0.000001)
    caplog.set_level(logging.WARNING)
    judge = make_judge(openai_server, model=SELF_HOSTED, config=caps)
    results = evaluate(
        questions(spans, 2), EvaluationConfig(judge=caps), judge=judge, price_overrides=[later]
    )
    judged = results[results["judge_model"] == SELF_HOSTED]
    assert PriceTable.default().price_for(SELF_HOSTED, PARTITION) is None
    assert (judged["status"] == "ok").all() and len(judged) == len(openai_server.requests) == 4
    assert judged["judge_cost_usd"].isna().all()  # unknown, never $0
    assert f"judge model {SELF_HOSTED!r} has no price" in caplog.text
