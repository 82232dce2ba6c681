"""The day's HTML report, written to the work store and linked from the materialization."""

import dagster as dg

from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.reports.render import render_html
from fi_dagster.resources import ObjectStoresResource, WarehouseResource


@dg.asset(
    partitions_def=daily_partitions,
    deps=["fi_quality_daily", "fi_cost_daily", "fi_latency_daily", "fi_regressions"],
    group_name="fi_nightly",
    kinds={"html"},
)
def fi_daily_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, stores: ObjectStoresResource
) -> dg.MaterializeResult:
    """Quality by cohort, cost, latency, regressions and four-week trends as one HTML page."""
    day = context.partition_key
    html = render_html(warehouse.warehouse(), [day])
    uri = stores.work().write_bytes(f"reports/dt={day}/report.html", html.encode())
    link = dg.MetadataValue.url(uri) if uri.startswith("s3://") else dg.MetadataValue.path(uri)
    return dg.MaterializeResult(metadata={"report": link, "bytes": len(html)})
