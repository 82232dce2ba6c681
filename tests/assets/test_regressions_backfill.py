"""A backfill computes ``fi_regressions`` oldest first.

A day's baseline leaves out the earlier days that were flagged, so day D must see day D−1's
regressions stored. The asset declares that (a dependency on its own earlier days) and takes
a backfill's days in one run where it can; in one run they come out exactly as days run one
after another in date order, and out of order they would not (checked: reversed, the last
day's baseline includes the flagged day before it).
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
from regression_days import Change, days, quality_day, steps_day

from fi_dagster.assets.regressions import fi_regressions
from fi_dagster.resources import FiConfigResource, WarehouseIOManager, WarehouseResource
from fi_dagster.warehouse.store import Warehouse

DAYS = days(10)
REGRESSED_DAYS = DAYS[-2:]  # the drop persists: flagged on both days
TARGET = DAYS[-3:]
DROP = Change(pass_rates={("Groundedness", "northwind"): 0.5})
NORTHWIND = {"tenant": "northwind"}


def seeded_warehouse(root: Path) -> dict:
    """The same ten days of daily tables in a fresh warehouse; resources to judge them."""
    root.mkdir(parents=True)
    url = f"sqlite:///{root / 'warehouse.db'}"
    warehouse = Warehouse(url)
    rng = np.random.default_rng(11)
    for day in DAYS:
        change = DROP if day in REGRESSED_DAYS else None
        warehouse.replace_partition("fi_quality_daily", day, quality_day(day, rng, change=change))
        warehouse.replace_partition("fi_step_daily", day, steps_day(day, rng, 300, change))
    return {
        "warehouse": WarehouseResource(url=url),
        "warehouse_io_manager": WarehouseIOManager(url=url),
        "fi_config": FiConfigResource(),
    }


def regressions(resources: dict, day: str) -> pd.DataFrame:
    rows = Warehouse(resources["warehouse"].url).read_partition("fi_regressions", day)
    return rows.sort_values(["metric", "cohort", "evaluator_or_stat"]).reset_index(drop=True)


def test_a_day_depends_on_its_earlier_days_and_backfills_take_them_in_one_run():
    assert fi_regressions.backfill_policy == dg.BackfillPolicy.single_run()
    mapping = fi_regressions.get_partition_mapping(fi_regressions.key)
    partitions = fi_regressions.partitions_def
    day = partitions.subset_with_partition_keys([DAYS[-1]])
    earlier = mapping.get_upstream_mapped_partitions_result_for_partitions(
        day, partitions, partitions
    ).partitions_subset
    assert sorted(earlier.get_partition_keys()) == DAYS[-8:-1]  # the 7 baseline days


def test_one_run_over_the_range_equals_the_days_run_in_order(tmp_path, monkeypatch):
    monkeypatch.delenv("FI_CONFIG", raising=False)
    day_by_day = seeded_warehouse(tmp_path / "day_by_day")
    for day in TARGET:
        assert dg.materialize([fi_regressions], partition_key=day, resources=day_by_day).success
    in_one_run = seeded_warehouse(tmp_path / "one_run")
    result = dg.materialize(
        [fi_regressions],
        resources=in_one_run,
        tags={
            "dagster/asset_partition_range_start": TARGET[0],
            "dagster/asset_partition_range_end": TARGET[-1],
        },
    )

    assert result.success
    materialized = result.asset_materializations_for_node("fi_regressions")
    assert sorted(m.partition for m in materialized) == TARGET
    for day in TARGET:
        expected, got = regressions(day_by_day, day), regressions(in_one_run, day)
        pd.testing.assert_frame_equal(got, expected)
        flagged = NORTHWIND in [json.loads(c) for c in got["cohort"]]
        assert flagged == (day in REGRESSED_DAYS), day
