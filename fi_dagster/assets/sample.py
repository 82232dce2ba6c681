"""Spans → one row per trace → the deterministic, cohort-stratified sample to evaluate."""

import dagster as dg
import pandas as pd

from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.resources import FiConfigResource
from fi_dagster.stats.sampling import sample_cohorts
from fi_dagster.traces.facts import trace_facts as build_trace_facts


@dg.asset(
    partitions_def=daily_partitions,
    io_manager_key="parquet_io_manager",
    group_name="fi_nightly",
)
def trace_facts(normalized_spans: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    """One row per trace: cohort, root step, span and LLM-call counts, errors, latency, tokens."""
    facts = build_trace_facts(normalized_spans)
    return dg.Output(facts, metadata={"traces": len(facts)})


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
    return dg.Output(
        sample,
        metadata={
            "sampled_traces": len(sample),
            "population_traces": len(trace_facts),
            "cohorts": int(
                sample[["model", "prompt_version", "route", "tenant"]].drop_duplicates().shape[0]
            )
            if not sample.empty
            else 0,
        },
    )
