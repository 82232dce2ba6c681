"""Failed runs reach the channel; late trace files re-run their partition; the nightly
schedule asks for yesterday."""

from datetime import UTC, datetime

import dagster as dg

from fi_dagster.config import load_config
from fi_dagster.definitions import defs
from fi_dagster.jobs import nightly_job
from fi_dagster.sensors import alert_retry_sensor, late_data_sensor, run_failure_sensor
from fi_dagster.storage.object_store import open_store


@dg.op
def broken_step():
    raise RuntimeError("judge endpoint returned 500 for every call")


@dg.job(name="fi_nightly_job_stand_in")
def broken_job():
    broken_step()


def failure_context(deployment):
    result = broken_job.execute_in_process(
        instance=deployment.instance, raise_on_error=False, tags={"dagster/partition": "2026-11-30"}
    )
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
    return dg.build_run_status_sensor_context(
        sensor_name="fi_run_failure_sensor",
        dagster_event=failure,
        dagster_instance=deployment.instance,
        dagster_run=deployment.instance.get_run_by_id(result.run_id),
        resources=deployment.resources,
    ).for_run_failure()


def test_a_failed_run_is_posted_once_even_if_the_sensor_fires_twice(deployment, slack_receiver):
    context = failure_context(deployment)
    run_failure_sensor(context)
    run_failure_sensor(context)
    [post] = slack_receiver.messages
    assert "fi_nightly_job_stand_in" in post.body["text"] and "2026-11-30" in post.body["text"]
    assert len(deployment.alerts()) == 1


def test_a_failure_posted_while_slack_is_down_is_retried(deployment, slack_receiver):
    slack_receiver.down = True
    run_failure_sensor(failure_context(deployment))
    assert slack_receiver.messages == [] and deployment.alerts()[0]["status"] == "pending"
    slack_receiver.down = False
    deployment.expire_backoffs()
    retry = dg.build_sensor_context(instance=deployment.instance, resources=deployment.resources)
    alert_retry_sensor(retry)
    assert len(slack_receiver.messages) == 1


def evaluated(deployment, day: str, files: int) -> None:
    """What the ingest step records when it reads a partition."""
    deployment.instance.report_runless_asset_event(
        dg.AssetMaterialization("normalized_spans", partition=day, metadata={"files": files})
    )


def late_tick(deployment, cursor: str | None):
    context = dg.build_sensor_context(
        instance=deployment.instance, cursor=cursor, resources=deployment.resources
    )
    return late_data_sensor(context)


def test_new_trace_files_in_an_evaluated_partition_request_a_rerun(deployment):
    traces = open_store(deployment.resources["stores"].traces_uri)
    day = deployment.yesterday
    traces.write_bytes(f"dt={day}/hour=01/a.jsonl", b"{}\n")
    traces.write_bytes(f"dt={day}/_SUCCESS", b"")  # not a trace file
    evaluated(deployment, day, files=1)

    first = late_tick(deployment, None)
    assert first.run_requests == []
    assert late_tick(deployment, first.cursor).run_requests == []

    traces.write_bytes(f"dt={day}/hour=23/b.jsonl.gz", b"late")
    late = late_tick(deployment, first.cursor)
    [request] = late.run_requests
    assert request.partition_key == day and request.tags["fi_dagster/trigger"] == "late-data"
    assert late_tick(deployment, late.cursor).run_requests == []


def test_files_that_landed_before_the_first_tick_are_caught_by_their_count(deployment):
    traces = open_store(deployment.resources["stores"].traces_uri)
    day = deployment.days[-2]
    for name in ("a", "b", "c"):
        traces.write_bytes(f"dt={day}/{name}.jsonl", b"{}\n")
    evaluated(deployment, day, files=2)
    [request] = late_tick(deployment, None).run_requests
    assert request.partition_key == day


def test_partitions_never_evaluated_are_left_to_the_schedule(deployment):
    traces = open_store(deployment.resources["stores"].traces_uri)
    traces.write_bytes(f"dt={deployment.yesterday}/a.jsonl", b"{}\n")
    assert late_tick(deployment, None).run_requests == []


def test_the_nightly_schedule_runs_yesterday_at_the_configured_hour(deployment):
    hour = load_config().schedule_hour
    schedule = defs.resolve_schedule_def("fi_nightly_schedule")
    assert schedule.cron_schedule == f"0 {hour} * * *" and schedule.job_name == nightly_job.name
    now = datetime(2026, 12, 4, hour, 0, tzinfo=UTC)
    context = dg.build_schedule_context(instance=deployment.instance, scheduled_execution_time=now)
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-12-03"


def test_every_sensor_and_check_is_registered():
    names = {s.name for s in defs.sensors}
    assert {
        "fi_regressions_alert_sensor",
        "fi_alert_retry_sensor",
        "fi_run_failure_sensor",
        "fi_late_data_sensor",
    } <= names
    checked = {
        key.asset_key.to_user_string() for key in defs.resolve_asset_graph().asset_check_keys
    }
    assert {"fi_quality_daily", "fi_latency_daily", "fi_cost_daily"} <= checked
