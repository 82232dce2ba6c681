"""The delivery ledger: each regression is paged once; Slack outages delay, never lose or double."""

import threading

import pandas as pd
import pytest
from alert_rows import DAY, regression

from fi_dagster.alerts.ledger import AlertLedger, backoff
from fi_dagster.alerts.sinks import SlackWebhookSink


def sink_for(receiver, timeout: float = 5.0) -> SlackWebhookSink:
    return SlackWebhookSink(receiver.webhook_url, timeout=timeout)


def texts(receiver) -> list[str]:
    return [post.body["text"] for post in receiver.messages]


def test_one_message_per_cohort_naming_the_cohort_and_the_date(ledger, regressions, slack_receiver):
    assert ledger.enqueue(regressions, "slack-webhook") == 2
    report = ledger.deliver(sink_for(slack_receiver), max_attempts=3)
    assert report.sent == 2 and report.retry_later == 0
    northwind, acme = sorted(texts(slack_receiver), key=lambda t: "acme" in t)
    assert "tenant=northwind" in northwind and DAY in northwind
    assert "tool_args_llm" in northwind and "Groundedness" in northwind
    assert "tenant=acme" in acme and "JSON validity rate" in acme
    rows = ledger.rows(DAY)
    assert set(rows["status"]) == {"sent"} and set(rows["attempts"]) == {1}


def test_enqueueing_the_same_partition_again_pages_nothing_new(ledger, regressions, slack_receiver):
    ledger.enqueue(regressions, "slack-webhook")
    ledger.deliver(sink_for(slack_receiver), max_attempts=3)
    recomputed = regressions.assign(p_value=1e-7, current_value=regressions["current_value"] * 1.01)
    assert ledger.enqueue(recomputed, "slack-webhook") == 0
    assert ledger.deliver(sink_for(slack_receiver), max_attempts=3).sent == 0
    assert len(slack_receiver.messages) == 2


def test_a_new_regression_of_a_paged_cohort_is_paged_alone(ledger, regressions, slack_receiver):
    ledger.enqueue(regressions, "slack-webhook")
    ledger.deliver(sink_for(slack_receiver), max_attempts=3)
    late = regression({"tenant": "northwind"}, "p99_latency_ms", "tool_args_llm", 2e3, 9e3)
    extra = regression({"tenant": "northwind"}, "pass_rate", "TaskCompletion", 0.9, 0.5)
    assert ledger.enqueue(pd.concat([regressions, pd.DataFrame([late, extra])]), "x") == 1
    ledger.deliver(sink_for(slack_receiver), max_attempts=3)
    newest = texts(slack_receiver)[-1]
    assert "TaskCompletion" in newest and "tool_args_llm" not in newest  # p99 = same step
    assert len(slack_receiver.messages) == 3


@pytest.mark.parametrize("failure", [500, 503, 429])
def test_a_failed_post_stays_pending_and_is_retried_after_its_backoff(
    ledger, regressions, slack_receiver, clock, failure
):
    ledger.enqueue(regressions.iloc[:1], "slack-webhook")
    slack_receiver.fail_next(1, failure)
    first = ledger.deliver(sink_for(slack_receiver), max_attempts=5)
    assert (first.sent, first.retry_later) == (0, 1)
    [row] = ledger.rows(DAY).to_dict("records")
    assert row["status"] == "pending" and row["attempts"] == 1 and str(failure) in row["last_error"]

    assert ledger.deliver(sink_for(slack_receiver), max_attempts=5).sent == 0  # backing off
    assert len(slack_receiver.attempts) == 1
    clock.advance(seconds=backoff(1).total_seconds())
    assert ledger.deliver(sink_for(slack_receiver), max_attempts=5).sent == 1
    assert len(slack_receiver.messages) == 1 and len(slack_receiver.attempts) == 2
    [row] = ledger.rows(DAY).to_dict("records")
    assert row["status"] == "sent" and row["attempts"] == 2 and row["last_error"] is None


def test_an_outage_delays_every_alert_and_loses_none(ledger, regressions, slack_receiver, clock):
    ledger.enqueue(regressions, "slack-webhook")
    slack_receiver.down = True
    for minutes in (0, 1, 2, 4):
        clock.advance(minutes=minutes)
        assert ledger.deliver(sink_for(slack_receiver), max_attempts=8).sent == 0
    assert set(ledger.rows(DAY)["status"]) == {"pending"}
    assert set(ledger.rows(DAY)["attempts"]) == {4}
    slack_receiver.down = False
    clock.advance(minutes=8)
    assert ledger.deliver(sink_for(slack_receiver), max_attempts=8).sent == 2
    clock.advance(hours=2)
    assert ledger.deliver(sink_for(slack_receiver), max_attempts=8).sent == 0
    assert len(slack_receiver.messages) == 2  # each cohort once, nothing lost or doubled


def test_a_hung_slack_times_out_and_stays_pending(ledger, regressions, slack_receiver):
    ledger.enqueue(regressions.iloc[:1], "slack-webhook")
    slack_receiver.fail_next(1, "hang")
    report = ledger.deliver(sink_for(slack_receiver, timeout=0.3), max_attempts=5)
    assert report.retry_later == 1 and "Slack unreachable" in report.errors[0]
    assert ledger.rows(DAY)["status"].tolist() == ["pending"]


def test_an_alert_fails_for_good_after_max_attempts(ledger, regressions, slack_receiver, clock):
    ledger.enqueue(regressions.iloc[:1], "slack-webhook")
    slack_receiver.down = True
    for _ in range(3):
        ledger.deliver(sink_for(slack_receiver), max_attempts=3)
        clock.advance(hours=1)
    [row] = ledger.rows(DAY).to_dict("records")
    assert row["status"] == "failed" and row["attempts"] == 3
    slack_receiver.down = False
    assert ledger.deliver(sink_for(slack_receiver), max_attempts=3).sent == 0


def test_racing_deliverers_post_an_alert_once(ledger, regressions, slack_receiver):
    ledger.enqueue(regressions, "slack-webhook")
    start = threading.Barrier(4)
    sent = []

    def deliver() -> None:
        start.wait()
        sent.append(ledger.deliver(sink_for(slack_receiver), max_attempts=3).sent)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 2 and len(slack_receiver.attempts) == 2


def test_racing_enqueuers_add_an_alert_once(ledger: AlertLedger, regressions):
    start = threading.Barrier(4)
    added = []

    def enqueue() -> None:
        start.wait()
        added.append(ledger.enqueue(regressions, "slack-webhook"))

    threads = [threading.Thread(target=enqueue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(added) == 2 and len(ledger.rows(DAY)) == 2
