"""Trace files → canonical spans (Parquet) and the ingest ledger ``fi_ingest_daily``."""

import dagster as dg

from fi_dagster.assets.metadata import preview
from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.resources import FiConfigResource, ObjectStoresResource
from fi_dagster.traces.ingest import ingest_partition


@dg.multi_asset(
    outs={
        "normalized_spans": dg.AssetOut(
            io_manager_key="parquet_io_manager",
            description="Every span of the day in the canonical span schema.",
        ),
        "fi_ingest_daily": dg.AssetOut(
            io_manager_key="warehouse_io_manager",
            description="Files, lines, spans, bad lines and duplicates per source convention.",
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
    traces = stores.traces()
    result = ingest_partition(traces, day, fi_config.load().cohorts, stores.quarantine())
    if result.spans.empty:
        context.log.warning(f"partition {day}: no spans in {traces.uri(f'dt={day}/')}")
    if result.quarantined:
        context.log.warning(
            f"partition {day}: {result.quarantined} bad lines/spans quarantined "
            f"to {result.quarantine_uri}"
        )
    yield dg.Output(
        result.spans,
        output_name="normalized_spans",
        metadata={
            "spans": len(result.spans),
            "traces": int(result.spans["trace_id"].nunique()),
            "files": len(result.files),
        },
    )
    yield dg.Output(
        result.stats,
        output_name="fi_ingest_daily",
        metadata={
            "bad_lines": int(result.stats["bad_lines"].sum()),
            "quarantined": result.quarantined,
            "quarantine_uri": result.quarantine_uri or "",
            "preview": preview(result.stats),
        },
    )
