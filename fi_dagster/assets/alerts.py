"""Regressions → the alert ledger → Slack (or the local alert file), once per regression."""

from datetime import UTC, date, datetime

import dagster as dg
import pandas as pd

from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.resources import AlertsResource, FiConfigResource, WarehouseResource


def is_backfill(partition_date: str, backfill_age_days: int) -> bool:
    """Partitions older than the configured age are history: they do not page."""
    age = (datetime.now(UTC).date() - date.fromisoformat(partition_date)).days
    return age > backfill_age_days


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
    if is_backfill(day, config.backfill_age_days) and not config.page_backfill:
        context.log.info(f"{day} is older than {config.backfill_age_days} days: not paging")
        return dg.MaterializeResult(metadata={"enqueued": 0, "backfill": True})
    sink = alerts.sink()
    ledger = alerts.ledger(warehouse.warehouse())
    enqueued = ledger.enqueue(fi_regressions, sink.channel)
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
