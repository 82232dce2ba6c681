"""Slack messages: Block Kit from the template, naming cohort, date, metric, change and cause."""

import json

import pandas as pd
from alert_rows import DAY, regression

from fi_dagster.alerts.grouping import group_alerts
from fi_dagster.alerts.messages import MAX_SECTION_CHARS, render_message
from fi_dagster.alerts.notices import run_failure_notice
from fi_dagster.alerts.policy import is_backfill, pageable
from fi_dagster.alerts.sinks import FileSink, SlackBotSink, SlackWebhookSink, sink_from_env
from fi_dagster.config import AlertConfig
from fi_dagster.settings import SlackSecrets


def northwind_alert(run_id: str | None = "run-42") -> dict:
    rows = pd.DataFrame(
        [
            regression(
                {"tenant": "northwind"},
                "p50_latency_ms",
                "tool_args_llm",
                801.0,
                3098.0,
                "`tool_args_llm` adds 1,042 ms per trace: 88% of the mean trace latency increase",
            )
        ]
    )
    [alert] = group_alerts(rows, run_id)
    return alert


def section_text(message: dict) -> str:
    return next(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")


def test_a_regression_message_names_cohort_date_change_and_step():
    message = render_message(northwind_alert())
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "context"]
    assert "tenant=northwind" in message["text"] and DAY in message["text"]
    body = section_text(message)
    assert "801 ms → 3,098 ms" in body and "×3.87" in body
    assert "88% of the mean trace latency increase" in body and "`tool_args_llm`" in body


def test_links_to_the_run_and_the_asset_only_when_the_dagster_url_is_known():
    alert = northwind_alert()
    plain = json.dumps(render_message(alert))
    assert "/runs/" not in plain
    footer = render_message(alert, "https://dagster.example/")["blocks"][-1]["elements"][0]
    assert "<https://dagster.example/runs/run-42|Dagster run>" in footer["text"]
    assert f"/assets/fi_regressions?view=partitions&partition={DAY}" in footer["text"]


def test_a_huge_alert_still_fits_one_slack_section():
    rows = pd.DataFrame(
        [
            regression({"tenant": "acme"}, "pass_rate", f"Evaluator{i}", 0.9, 0.5, "x" * 400)
            for i in range(40)
        ]
    )
    [alert] = group_alerts(rows)
    body = section_text(render_message(alert))
    assert len(body) <= MAX_SECTION_CHARS + 1 and "Evaluator0" in body


def test_a_failed_run_is_one_notice_per_run():
    notice = run_failure_notice("abcd1234", "fi_nightly_job", DAY, "normalized_spans: no folder")
    message = render_message(notice, "https://dagster.example")
    assert "fi_nightly_job" in message["text"] and DAY in message["text"]
    assert "no folder" in section_text(message)
    assert "/runs/abcd1234" in json.dumps(message)
    assert run_failure_notice("abcd1234", "j", None, None)["partition_date"]


def test_webhook_and_bot_token_posts_reach_slack(slack_receiver):
    message = render_message(northwind_alert())
    SlackWebhookSink(slack_receiver.webhook_url).send(message)
    bot = SlackBotSink(
        "xoxb-test", "#llm-alerts", api_url=slack_receiver.url + "/api/chat.postMessage"
    )
    bot.send(message)
    hook, api = slack_receiver.messages
    assert hook.path == "/services/T000/B000/XXXX" and hook.body["blocks"] == message["blocks"]
    assert api.path == "/api/chat.postMessage" and api.body["channel"] == "#llm-alerts"
    assert api.headers["authorization"] == "Bearer xoxb-test"


def test_the_sink_follows_the_environment(tmp_path):
    fallback = tmp_path / "alerts.jsonl"
    assert isinstance(
        sink_from_env(SlackSecrets("https://h", None, None), fallback), SlackWebhookSink
    )
    assert isinstance(sink_from_env(SlackSecrets(None, "xoxb", "#c"), fallback), SlackBotSink)
    file_sink = sink_from_env(SlackSecrets(None, "xoxb", None), fallback)
    assert isinstance(file_sink, FileSink)
    file_sink.send({"text": "hello"})
    assert json.loads(fallback.read_text()) == {"text": "hello"}


def test_backfilled_partitions_and_minor_regressions_do_not_page():
    from datetime import date

    rows = pd.DataFrame(
        [
            {**regression({}, "pass_rate", "A", 0.9, 0.7), "partition_date": "2026-11-01"},
            {**regression({}, "pass_rate", "B", 0.9, 0.7), "severity": "warn"},
            regression({}, "pass_rate", "C", 0.9, 0.5),
        ]
    )
    today = date(2026, 11, 11)
    assert is_backfill("2026-11-08", 2, today) and not is_backfill("2026-11-09", 2, today)
    assert list(pageable(rows, AlertConfig(), today)["evaluator_or_stat"]) == ["B", "C"]
    only_errors = AlertConfig(min_severity="error", page_backfill=True)
    assert list(pageable(rows, only_errors, today)["evaluator_or_stat"]) == ["A", "C"]
