"""Spans → the per-cohort step table; today's tables against their baseline → ``fi_regressions``.

``fi_regressions`` of day D reads days D − baseline_days … D of the daily tables, and the
regressions already found on the earlier of those days (flagged days leave the baseline).
Both are declared as dependencies (time-window partition mappings), so a backfill computes a
day's regressions only after the days it compares against, oldest first.
"""

import dagster as dg
import pandas as pd

from fi_dagster.assets.metadata import preview
from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.config import RegressionConfig, load_config
from fi_dagster.resources import FiConfigResource, WarehouseResource
from fi_dagster.stats.baselines import baseline_window
from fi_dagster.stats.day_tables import load_day_tables
from fi_dagster.stats.regressions import detect_regressions
from fi_dagster.stats.step_daily import step_daily
from fi_dagster.stats.trace_steps import STEP_SPAN_COLUMNS
from fi_dagster.warehouse.store import Warehouse

_BASELINE_DAYS = load_config().regressions.baseline_days
_with_baseline = dg.TimeWindowPartitionMapping(start_offset=-_BASELINE_DAYS, end_offset=0)
# Its own earlier days: a day's baseline leaves out the days flagged before it.
_earlier_days = dg.TimeWindowPartitionMapping(start_offset=-_BASELINE_DAYS, end_offset=-1)


@dg.asset(
    partitions_def=daily_partitions,
    io_manager_key="warehouse_io_manager",
    ins={"normalized_spans": dg.AssetIn(metadata={"columns": list(STEP_SPAN_COLUMNS)})},
    group_name="fi_nightly",
    kinds={"sql"},
)
def fi_step_daily(
    context: dg.AssetExecutionContext, normalized_spans: pd.DataFrame, fi_config: FiConfigResource
) -> dg.Output[pd.DataFrame]:
    """Latency percentiles, self time, prompt tokens and cost per cohort × step (span name)."""
    steps = step_daily(normalized_spans, context.partition_key, fi_config.load().prices)
    traces = steps[steps["step"] == "*"]
    return dg.Output(steps, metadata={"rows": len(steps), "preview": preview(traces)})


def regressions_of_day(warehouse: Warehouse, day: str, config: RegressionConfig) -> pd.DataFrame:
    """Detect one day's regressions against its baseline and store them in its partition."""
    window = baseline_window(day, config)
    tables, earlier = load_day_tables(warehouse, day, window)
    found = detect_regressions(tables, config, day, earlier, window)
    warehouse.replace_partition("fi_regressions", day, found)
    return found


@dg.asset(
    partitions_def=daily_partitions,
    io_manager_key="warehouse_io_manager",  # loads a partition for fi_alerts; writes are here
    # A backfill runs its days oldest first, in as few runs as the upstream days allow: a day
    # is compared only once the earlier days' flags are stored (the dependency on itself).
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[
        dg.AssetDep("fi_quality_daily", partition_mapping=_with_baseline),
        dg.AssetDep("fi_step_daily", partition_mapping=_with_baseline),
        dg.AssetDep("fi_regressions", partition_mapping=_earlier_days),
    ],
    group_name="fi_nightly",
    kinds={"sql"},
)
def fi_regressions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, fi_config: FiConfigResource
) -> dg.MaterializeResult:
    """Cohorts whose quality, latency or cost got worse than their baseline, explained.

    A run over several partitions does them oldest first, so each day's baseline already
    knows which of the earlier days were flagged.
    """
    config = fi_config.load().regressions
    store = warehouse.warehouse()
    found = pd.concat(
        [regressions_of_day(store, day, config) for day in sorted(context.partition_keys)]
    )
    for day, rows in found.groupby("partition_date"):
        context.log.warning(f"{len(rows)} regression(s) on {day}")
    return dg.MaterializeResult(
        metadata={
            "regressions": len(found),
            "errors": int((found["severity"] == "error").sum()),
            "baseline": baseline_window(max(context.partition_keys), config).describe(),
            "preview": preview(found.drop(columns=["attribution"])),
        }
    )
