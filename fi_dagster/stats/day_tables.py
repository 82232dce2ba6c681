"""The warehouse rows one day's regression tests read: that day and its baseline days."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fi_dagster.stats.baselines import BaselineWindow
from fi_dagster.warehouse.store import Warehouse


@dataclass(frozen=True)
class DayTables:
    """Today's and the baseline days' quality and step tables (baseline with partition_date)."""

    quality: pd.DataFrame
    baseline_quality: pd.DataFrame
    steps: pd.DataFrame
    baseline_steps: pd.DataFrame


def load_day_tables(
    warehouse: Warehouse, partition_date: str, window: BaselineWindow
) -> tuple[DayTables, pd.DataFrame]:
    """The day's tables from the warehouse, and the regressions stored for its baseline days."""
    return (
        DayTables(
            quality=warehouse.read_partition("fi_quality_daily", partition_date),
            baseline_quality=warehouse.read_range("fi_quality_daily", window.start, window.end),
            steps=warehouse.read_partition("fi_step_daily", partition_date),
            baseline_steps=warehouse.read_range("fi_step_daily", window.start, window.end),
        ),
        warehouse.read_range("fi_regressions", window.start, window.end),
    )
