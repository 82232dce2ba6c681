"""Sensors: page new regressions, retry what Slack refused, report failed runs, re-run late data.

Every alert goes through the ledger (``fi_alerts``), so the sensors and the ``fi_alerts``
asset may overlap freely: a regression is enqueued once and a claimed alert is posted once.
"""

import json

import dagster as dg

from fi_dagster.alerts.notices import run_failure_notice
from fi_dagster.alerts.policy import pageable
from fi_dagster.jobs import nightly_job
from fi_dagster.late_data import partition_listing
from fi_dagster.resources import (
    AlertsResource,
    FiConfigResource,
    ObjectStoresResource,
    WarehouseResource,
)

REGRESSIONS = dg.AssetKey("fi_regressions")
SPANS = dg.AssetKey("normalized_spans")
_BATCH = 50


def _deliver(alerts: AlertsResource, warehouse: WarehouseResource, max_attempts: int):
    return alerts.ledger(warehouse.warehouse()).deliver(
        alerts.sink(), max_attempts=max_attempts, dagster_url=alerts.dagster_url()
    )


@dg.sensor(
    name="fi_regressions_alert_sensor",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def regressions_alert_sensor(
    context: dg.SensorEvaluationContext,
    warehouse: WarehouseResource,
    alerts: AlertsResource,
    fi_config: FiConfigResource,
) -> dg.SensorResult:
    """Enqueues the regressions of each new ``fi_regressions`` materialization (cursor: the
    last event's storage id), then delivers whatever is due."""
    after = int(context.cursor) if context.cursor else None
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=REGRESSIONS, after_storage_id=after),
        limit=_BATCH,
        ascending=True,
    ).records
    config = fi_config.load().alerts
    store, sink = warehouse.warehouse(), alerts.sink()
    ledger = alerts.ledger(store)
    enqueued = 0
    for record in (r for r in records if r.partition_key):
        found = store.read_partition("fi_regressions", record.partition_key)
        enqueued += ledger.enqueue(pageable(found, config), sink.channel, run_id=record.run_id)
    report = _deliver(alerts, warehouse, config.max_attempts)
    cursor = str(records[-1].storage_id) if records else context.cursor
    return dg.SensorResult(
        cursor=cursor,
        skip_reason=f"{len(records)} materialization(s): enqueued={enqueued} sent={report.sent} "
        f"pending={report.retry_later} failed={report.failed}",
    )


@dg.sensor(
    name="fi_alert_retry_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def alert_retry_sensor(
    context: dg.SensorEvaluationContext,
    warehouse: WarehouseResource,
    alerts: AlertsResource,
    fi_config: FiConfigResource,
) -> dg.SkipReason:
    """Delivers pending alerts whose backoff has expired."""
    report = _deliver(alerts, warehouse, fi_config.load().alerts.max_attempts)
    return dg.SkipReason(
        f"alerts sent={report.sent} still pending={report.retry_later} failed={report.failed}"
    )


@dg.run_failure_sensor(
    name="fi_run_failure_sensor",
    monitor_all_code_locations=False,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_failure_sensor(
    context: dg.RunFailureSensorContext,
    warehouse: WarehouseResource,
    alerts: AlertsResource,
    fi_config: FiConfigResource,
) -> None:
    """Posts a failed run to the alert channel, through the ledger (retried if Slack is down)."""
    config = fi_config.load().alerts
    if not config.run_failures:
        return
    run = context.dagster_run
    notice = run_failure_notice(
        run.run_id, run.job_name, run.tags.get("dagster/partition"), context.failure_event.message
    )
    ledger = alerts.ledger(warehouse.warehouse())
    ledger.add(notice, alerts.sink().channel)
    report = _deliver(alerts, warehouse, config.max_attempts)
    if report.retry_later:
        context.log.warning("run failure not posted yet; fi_alert_retry_sensor retries")


def _files_when_evaluated(instance: dg.DagsterInstance, day: str) -> int | None:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=SPANS, asset_partitions=[day]), limit=1
    ).records
    metadata = records[0].asset_materialization.metadata if records else {}
    files = metadata.get("files")
    return int(files.value) if files is not None else None


@dg.sensor(name="fi_late_data_sensor", job=nightly_job, minimum_interval_seconds=300)
def late_data_sensor(
    context: dg.SensorEvaluationContext, stores: ObjectStoresResource, fi_config: FiConfigResource
) -> dg.SensorResult:
    """Re-runs a recently evaluated partition when its trace files change.

    The cursor holds each watched partition's listing fingerprint. A partition seen for the
    first time is compared by file count with what its ingest run read.
    """
    recent = fi_config.load().regressions.late_data_days
    evaluated = sorted(context.instance.get_materialized_partitions(SPANS))
    watched = evaluated[max(0, len(evaluated) - recent) :] if recent else []
    seen = json.loads(context.cursor) if context.cursor else {}
    traces, requests, cursor = stores.traces(), [], {}
    for day in watched:
        listing = partition_listing(traces, day)
        cursor[day] = listing.fingerprint
        before = seen.get(day)
        changed = (
            before != listing.fingerprint
            if before
            else _files_when_evaluated(context.instance, day) not in (None, listing.files)
        )
        if changed:
            requests.append(
                dg.RunRequest(
                    partition_key=day,
                    run_key=f"late-data:{day}:{listing.fingerprint}",
                    tags={"fi_dagster/trigger": "late-data"},
                )
            )
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))
