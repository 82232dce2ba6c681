"""Alert sensors, one tick at a time: a regression pages once, outages delay, nothing doubles."""

import json

import dagster as dg

from fi_dagster.assets.alerts import fi_alerts
from fi_dagster.assets.regressions import fi_regressions
from fi_dagster.resources import AlertsResource
from fi_dagster.sensors import alert_retry_sensor, regressions_alert_sensor


def tick(deployment, sensor, cursor: str | None = None):
    context = dg.build_sensor_context(
        instance=deployment.instance, cursor=cursor, resources=deployment.resources
    )
    return sensor(context)


def test_a_regressed_cohort_pages_once_naming_the_cohort_and_the_step(deployment, slack_receiver):
    assert deployment.materialize().success
    result = tick(deployment, regressions_alert_sensor)
    [post] = slack_receiver.messages
    text = json.dumps(post.body)
    assert "tenant=northwind" in post.body["text"] and deployment.yesterday in post.body["text"]
    assert "search p50 latency" in text and "Groundedness" in text
    assert "tenant=acme" not in text and "tenant=globex" not in text
    assert result.cursor

    again = tick(deployment, regressions_alert_sensor, result.cursor)
    assert again.cursor == result.cursor and len(slack_receiver.attempts) == 1


def test_clean_days_page_nothing(deployment, slack_receiver):
    for day in deployment.days[-4:-1]:
        assert deployment.materialize(day=day).success
    result = tick(deployment, regressions_alert_sensor)
    assert "3 materialization(s)" in result.skip_reason.skip_message
    assert slack_receiver.attempts == [] and deployment.alerts() == []


def test_re_materializing_a_partition_does_not_page_again(deployment, slack_receiver):
    deployment.materialize()
    cursor = tick(deployment, regressions_alert_sensor).cursor
    deployment.materialize()
    deployment.materialize(fi_regressions, fi_alerts)  # the asset path enqueues too
    tick(deployment, regressions_alert_sensor, cursor)
    tick(deployment, alert_retry_sensor)
    assert len(slack_receiver.attempts) == 1 and len(deployment.alerts()) == 1


def test_an_outage_delays_the_alert_and_retries_deliver_it_once(deployment, slack_receiver):
    slack_receiver.down = True
    deployment.materialize(fi_regressions, fi_alerts)
    cursor = tick(deployment, regressions_alert_sensor).cursor
    [row] = deployment.alerts()
    assert row["status"] == "pending" and row["attempts"] == 1  # the asset tried, the sensor waits
    tick(deployment, alert_retry_sensor)
    assert deployment.alerts()[0]["attempts"] == 1  # still backing off: no hammering

    deployment.expire_backoffs()
    tick(deployment, alert_retry_sensor)
    assert deployment.alerts()[0]["attempts"] == 2 and slack_receiver.messages == []

    slack_receiver.down = False
    deployment.expire_backoffs()
    tick(deployment, alert_retry_sensor)
    tick(deployment, regressions_alert_sensor, cursor)
    deployment.expire_backoffs()
    tick(deployment, alert_retry_sensor)
    [row] = deployment.alerts()
    assert row["status"] == "sent" and row["attempts"] == 3
    assert len(slack_receiver.messages) == 1


def test_the_bot_token_path_posts_to_the_channel(deployment, slack_receiver, monkeypatch):
    monkeypatch.delenv("SLACK_WEBHOOK_URL")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("FI_SLACK_CHANNEL", "#llm-quality")
    monkeypatch.setenv("FI_DAGSTER_URL", "http://dagster.test:3000")
    api = slack_receiver.url + "/api/chat.postMessage"
    deployment.resources["alerts"] = AlertsResource(slack_api_url=api)
    deployment.materialize()
    tick(deployment, regressions_alert_sensor)
    [post] = slack_receiver.messages
    assert post.path == "/api/chat.postMessage" and post.body["channel"] == "#llm-quality"
    footer = post.body["blocks"][-1]["elements"][0]["text"]
    assert "http://dagster.test:3000/runs/" in footer and "fi_regressions" in footer
