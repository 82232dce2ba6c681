"""Trace files → canonical spans (Parquet) and the ingest ledger ``fi_ingest_daily``."""

import shutil
import tempfile
from pathlib import Path

import dagster as dg

from fi_dagster.assets.metadata import preview
from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.resources import FiConfigResource, ObjectStoresResource
from fi_dagster.resources.io_managers import LocalParquet
from fi_dagster.traces.ingest import ingest_partition


@dg.multi_asset(
    outs={
        "normalized_spans": dg.AssetOut(
            io_manager_key="parquet_io_manager",
            description="Every span of the day in the canonical span schema.",
        ),
        "fi_ingest_daily": dg.AssetOut(
            io_manager_key="warehouse_io_manager",
            description="Files, lines, spans and every kind of bad input, per source convention.",
        ),
    },
    partitions_def=daily_partitions,
    group_name="fi_nightly",
)
def normalized_spans(
    context: dg.AssetExecutionContext,
    stores: ObjectStoresResource,
    fi_config: FiConfigResource,
):
    day = context.partition_key
    traces, config = stores.traces(), fi_config.load()
    folder = Path(tempfile.mkdtemp(prefix="fi-spans-"))  # the IO manager removes it
    try:
        result = ingest_partition(
            traces,
            day,
            config.cohorts,
            stores.quarantine(),
            folder / "spans.parquet",
            config.ingest,
            progress=lambda done: context.log.info(f"partition {day}: {done}"),
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not result.spans:
        context.log.warning(f"partition {day}: no spans in {traces.uri(f'dt={day}/')}")
    if result.quarantined:
        context.log.warning(
            f"partition {day}: {result.quarantined} bad lines/spans quarantined "
            f"to {result.quarantine_uri}"
        )
    yield dg.Output(
        LocalParquet(result.path, result.spans),
        output_name="normalized_spans",
        metadata={"spans": result.spans, "traces": result.traces, "files": len(result.files)},
    )
    stats = result.stats
    yield dg.Output(
        stats,
        output_name="fi_ingest_daily",
        metadata={
            "bad_lines": int(stats["bad_lines"].sum()),
            "bad_spans": int(stats["bad_spans"].sum()),
            "duplicate_spans": int(stats["duplicate_spans"].sum()),
            "quarantined": result.quarantined,
            "quarantine_uri": result.quarantine_uri or "",
            "preview": preview(stats),
        },
    )
