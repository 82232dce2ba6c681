"""The nightly job: every asset of the graph for one daily partition."""

import dagster as dg

nightly_job = dg.define_asset_job(
    "fi_nightly_job",
    selection=dg.AssetSelection.groups("fi_nightly"),
    description="Ingest, sample, evaluate and tabulate one day of traces; alert on regressions.",
)
