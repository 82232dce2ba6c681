"""The sampled traces' spans → one eval result per (span, evaluator) in ``fi_eval_results``."""

import dagster as dg
import pandas as pd

from fi_dagster.assets.metadata import preview
from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.evals import JudgmentCache, evaluate_partition, judge_totals
from fi_dagster.resources import FiConfigResource, JudgeResource, WarehouseResource


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
    warehouse: WarehouseResource,
) -> dg.Output[pd.DataFrame]:
    """Evaluator scores; a failed judge call is an ``error`` row, never a pass or a fail.

    Verdicts already in the judgment cache are reused, so a re-run or a backfill pays
    only for what it has not judged before.
    """
    evaluation = fi_config.load().evaluation
    the_judge = judge.judge(evaluation.judge)
    cache = JudgmentCache(warehouse.warehouse().engine) if evaluation.judge.cache else None
    context.log.info(f"judging with {the_judge.model_name} over {len(cohort_sample)} traces")
    results = evaluate_partition(
        normalized_spans,
        cohort_sample,
        the_judge,
        evaluation,
        context.partition_key,
        cache=cache,
    )
    totals = judge_totals(results)
    if totals.budget_cap_reached:
        context.log.warning(
            f"judge budget cap reached: {totals.budget_skipped} items skipped "
            f"('budget cap reached'), {totals.judged} judged for ${totals.cost_usd:.4f}"
        )
    counts = results["status"].value_counts() if not results.empty else pd.Series(dtype=int)
    return dg.Output(
        results,
        metadata={
            "results": len(results),
            "errors": int(counts.get("error", 0)),
            "skipped": int(counts.get("skipped", 0)),
            "judge_model": the_judge.model_name,
            **totals.as_metadata(),
            "preview": preview(results.drop(columns=["reason"], errors="ignore")),
        },
    )
