"""Regressions → the alert ledger → Slack (or the local alert file), once per regression.

Delivering here means a plain ``dagster asset materialize`` or ``fi-dagster run`` pages
without the daemon; the sensors retry what Slack did not accept and pick up regressions
materialized without this asset. The ledger makes all of them safe to overlap.
"""

import dagster as dg
import pandas as pd

from fi_dagster.alerts.policy import pageable
from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.resources import AlertsResource, FiConfigResource, WarehouseResource


@dg.asset(partitions_def=daily_partitions, group_name="fi_nightly", kinds={"slack"})
def fi_alerts(
    context: dg.AssetExecutionContext,
    fi_regressions: pd.DataFrame,
    warehouse: WarehouseResource,
    alerts: AlertsResource,
    fi_config: FiConfigResource,
) -> dg.MaterializeResult:
    """Enqueue this partition's regressions and try to deliver them; failures stay pending."""
    config = fi_config.load().alerts
    day = context.partition_key
    to_page = pageable(fi_regressions, config)
    if len(to_page) < len(fi_regressions):
        context.log.info(
            f"{len(fi_regressions) - len(to_page)} regression(s) of {day} do not page "
            f"(older than {config.backfill_age_days} days, or below {config.min_severity})"
        )
    sink = alerts.sink()
    ledger = alerts.ledger(warehouse.warehouse())
    enqueued = ledger.enqueue(to_page, sink.channel, run_id=context.run.run_id)
    report = ledger.deliver(
        sink, max_attempts=config.max_attempts, partition_date=day, dagster_url=alerts.dagster_url()
    )
    if report.retry_later:
        context.log.warning(f"{report.retry_later} alert(s) not delivered yet; the sensor retries")
    return dg.MaterializeResult(
        metadata={
            "enqueued": enqueued,
            "sent": report.sent,
            "pending": report.retry_later,
            "failed": report.failed,
            "channel": sink.channel,
        }
    )
