"""Spans → one row per trace → the deterministic, cohort-stratified sample to evaluate."""

import dagster as dg
import pandas as pd

from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.resources import FiConfigResource
from fi_dagster.stats.sampling import FACT_SPAN_INPUTS, judged_items, sample_cohorts
from fi_dagster.traces.facts import trace_facts as build_trace_facts
from fi_dagster.traces.schema import COHORT_COLUMNS


@dg.asset(
    partitions_def=daily_partitions,
    io_manager_key="parquet_io_manager",
    group_name="fi_nightly",
    ins={"normalized_spans": dg.AssetIn(metadata={"columns": list(FACT_SPAN_INPUTS)})},
)
def trace_facts(normalized_spans: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    """One row per trace: cohort, root step, span and LLM-call counts, errors, latency, tokens,
    and `judged_items` (the spans a judge may be asked about, for the daily item cap)."""
    facts = build_trace_facts(normalized_spans)
    items = facts["trace_id"].map(judged_items(normalized_spans))
    facts["judged_items"] = items.fillna(0).astype("int64")
    return dg.Output(
        facts, metadata={"traces": len(facts), "judged_items": int(facts["judged_items"].sum())}
    )


def sample_metadata(sample: pd.DataFrame, population: pd.DataFrame) -> dict[str, float | int]:
    """Numbers the UI plots across partitions: how much was sampled and how it is weighted."""
    forced = sample["inclusion_prob"] >= 1.0
    return {
        "sampled_traces": len(sample),
        "population_traces": len(population),
        "sampled_share": len(sample) / len(population) if len(population) else 0.0,
        "cohorts": len(population[list(COHORT_COLUMNS)].drop_duplicates()),
        "judged_items": int(sample["judged_items"].sum()) if "judged_items" in sample else 0,
        "traces_taken_whole": int(forced.sum()),
        "max_sample_weight": float(sample["sample_weight"].max()) if len(sample) else 0.0,
    }


@dg.asset(
    partitions_def=daily_partitions,
    io_manager_key="parquet_io_manager",
    group_name="fi_nightly",
)
def cohort_sample(
    trace_facts: pd.DataFrame, fi_config: FiConfigResource
) -> dg.Output[pd.DataFrame]:
    """Traces chosen for evaluation, each with its inclusion probability and weight."""
    sample = sample_cohorts(trace_facts, fi_config.load().sampling)
    return dg.Output(sample, metadata=sample_metadata(sample, trace_facts))
