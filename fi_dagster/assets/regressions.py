"""Today's quality and latency against the trailing partitions → ``fi_regressions``."""

from datetime import date, timedelta

import dagster as dg
import pandas as pd

from fi_dagster.assets.metadata import preview
from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.resources import FiConfigResource, WarehouseResource
from fi_dagster.stats.regressions import detect_regressions


@dg.asset(
    partitions_def=daily_partitions,
    io_manager_key="warehouse_io_manager",
    group_name="fi_nightly",
    kinds={"sql"},
)
def fi_regressions(
    context: dg.AssetExecutionContext,
    fi_quality_daily: pd.DataFrame,
    fi_latency_daily: pd.DataFrame,
    warehouse: WarehouseResource,
    fi_config: FiConfigResource,
) -> dg.Output[pd.DataFrame]:
    """Regressions of this partition; the baseline is whatever earlier days the warehouse holds."""
    config = fi_config.load().regressions
    day = context.partition_key
    start = (date.fromisoformat(day) - timedelta(days=config.baseline_days)).isoformat()
    end = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    store = warehouse.warehouse()
    found = detect_regressions(
        fi_quality_daily,
        store.read_range("fi_quality_daily", start, end),
        fi_latency_daily,
        store.read_range("fi_latency_daily", start, end),
        config,
        day,
    )
    if not found.empty:
        context.log.warning(f"{len(found)} regression(s) on {day}")
    return dg.Output(found, metadata={"regressions": len(found), "preview": preview(found)})
