"""The sampled traces' spans → one eval result per (span, evaluator) in ``fi_eval_results``."""

import dagster as dg
import pandas as pd

from fi_dagster.assets.metadata import preview
from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.evals.runner import evaluate_partition
from fi_dagster.resources import FiConfigResource, JudgeResource


@dg.asset(
    partitions_def=daily_partitions,
    io_manager_key="warehouse_io_manager",
    group_name="fi_nightly",
    kinds={"openai", "sql"},
)
def fi_eval_results(
    context: dg.AssetExecutionContext,
    normalized_spans: pd.DataFrame,
    cohort_sample: pd.DataFrame,
    judge: JudgeResource,
    fi_config: FiConfigResource,
) -> dg.Output[pd.DataFrame]:
    """Evaluator scores; a failed judge call is an ``error`` row, never a pass or a fail."""
    the_judge = judge.judge()
    context.log.info(f"judging with {the_judge.model_name} over {len(cohort_sample)} traces")
    results = evaluate_partition(
        normalized_spans,
        cohort_sample,
        the_judge,
        fi_config.load().evaluation,
        context.partition_key,
    )
    counts = results["status"].value_counts() if not results.empty else pd.Series(dtype=int)
    return dg.Output(
        results,
        metadata={
            "results": len(results),
            "errors": int(counts.get("error", 0)),
            "skipped": int(counts.get("skipped", 0)),
            "judge_model": the_judge.model_name,
            "judge_cost_usd": float(results["judge_cost_usd"].fillna(0).sum())
            if len(results)
            else 0.0,
            "preview": preview(results.drop(columns=["reason"], errors="ignore")),
        },
    )
