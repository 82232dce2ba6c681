"""The nightly job: every asset of the graph for one daily partition."""

import dagster as dg

# Runs carrying this tag share the judge API budget (see dagster.yaml tag_concurrency_limits).
JUDGE_TAG = "fi_dagster/judge"

nightly_job = dg.define_asset_job(
    "fi_nightly_job",
    selection=dg.AssetSelection.groups("fi_nightly"),
    description="Ingest, sample, evaluate and tabulate one day of traces; alert on regressions.",
    tags={JUDGE_TAG: "llm"},
)
