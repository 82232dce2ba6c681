"""What ``fi_eval_results`` reads, as asset specs: the tests write the Parquet behind them."""

import dagster as dg

from fi_dagster.assets.partitions import daily_partitions

UPSTREAM = [
    dg.AssetSpec(name, partitions_def=daily_partitions).with_io_manager_key("parquet_io_manager")
    for name in ("normalized_spans", "cohort_sample")
]
