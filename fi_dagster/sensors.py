"""Sensors: retry alerts that Slack has not accepted yet, and report failed runs."""

import dagster as dg

from fi_dagster.alerts.sinks import DeliveryError
from fi_dagster.resources import AlertsResource, FiConfigResource, WarehouseResource


@dg.sensor(name="fi_alert_retry_sensor", minimum_interval_seconds=60)
def alert_retry_sensor(
    context: dg.SensorEvaluationContext,
    warehouse: WarehouseResource,
    alerts: AlertsResource,
    fi_config: FiConfigResource,
) -> dg.SkipReason:
    """Delivers pending alerts whose backoff has expired; the ledger prevents double sends."""
    ledger = alerts.ledger(warehouse.warehouse())
    report = ledger.deliver(
        alerts.sink(),
        max_attempts=fi_config.load().alerts.max_attempts,
        dagster_url=alerts.dagster_url(),
    )
    return dg.SkipReason(
        f"alerts sent={report.sent} still pending={report.retry_later} failed={report.failed}"
    )


@dg.run_failure_sensor(name="fi_run_failure_sensor", monitor_all_code_locations=False)
def run_failure_sensor(context: dg.RunFailureSensorContext, alerts: AlertsResource) -> None:
    """Posts a failed nightly run to the alert channel."""
    run = context.dagster_run
    partition = run.tags.get("dagster/partition", "-")
    text = (
        f":rotating_light: fi_dagster run {run.run_id[:8]} ({run.job_name}, partition {partition}) "
        f"failed: {context.failure_event.message or 'see Dagster'}"
    )
    try:
        alerts.sink().send({"text": text[:2900]})
    except DeliveryError as exc:
        context.log.warning(f"could not post run failure: {exc}")
