"""The sampled traces' spans → one eval result per (span, evaluator) in ``fi_eval_results``.

The day's sample is split into shards, each judged in its own step: shards fan out over
Celery workers, and a shard that fails (judge outage) is retried on its own while the
others keep their results. The judgment cache makes any re-run pay only for the new.
"""

import dagster as dg
import pandas as pd

from fi_dagster.assets.metadata import preview
from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.config import ShardRetryConfig, load_config
from fi_dagster.evals import JudgmentCache, evaluate_partition, judge_totals
from fi_dagster.evals.shards import shard_config, shard_sample
from fi_dagster.resources import (
    FiConfigResource,
    JudgeResource,
    ParquetIOManager,
    WarehouseResource,
)
from fi_dagster.traces.schema import SPAN_COLUMNS

JUDGE_POOL = "fi_judge"
SHARD_COLUMNS = ("_shard", "_shards")  # index and count, carried on each shard


@dg.op(out=dg.DynamicOut(pd.DataFrame))
def plan_eval_shards(
    context: dg.OpExecutionContext, cohort_sample: pd.DataFrame, fi_config: FiConfigResource
):
    """One output per shard of at most ``evaluation.shard_traces`` sampled traces."""
    shards = shard_sample(cohort_sample, fi_config.load().evaluation.shard_traces)
    context.log.info(f"{len(cohort_sample)} sampled traces in {len(shards)} shard(s)")
    for index, shard in enumerate(shards):
        shard = shard.assign(_shard=index, _shards=len(shards))
        yield dg.DynamicOutput(shard, mapping_key=f"shard_{index:03d}")


def _parallel_judge_steps(instance: dg.DagsterInstance) -> int:
    """How many judge steps may run at once: the pool limit of the instance, if it sets one."""
    pools = instance.get_concurrency_config().pool_config
    return int(pools.default_pool_limit or 1)


@dg.op(
    ins={"shard": dg.In(pd.DataFrame), "spans_ready": dg.In(dg.Nothing)},
    pool=JUDGE_POOL,
)
def evaluate_shard(
    context: dg.OpExecutionContext,
    shard: pd.DataFrame,
    judge: JudgeResource,
    fi_config: FiConfigResource,
    warehouse: WarehouseResource,
    parquet_io_manager: dg.ResourceParam[ParquetIOManager],
) -> pd.DataFrame:
    """Judge one shard; only its traces' spans are read from the day's Parquet."""
    day = context.partition_key
    fi = fi_config.load()
    config = fi.evaluation
    index, count = (int(shard[c].iloc[0]) for c in SHARD_COLUMNS) if len(shard) else (0, 1)
    shard = shard.drop(columns=list(SHARD_COLUMNS))
    config = shard_config(config, count, _parallel_judge_steps(context.instance), index)
    the_judge = judge.judge(config.judge)
    cache = JudgmentCache(warehouse.warehouse().engine) if config.judge.cache else None
    ids = shard["trace_id"].astype(str).tolist()
    spans = parquet_io_manager.read(
        dg.AssetKey("normalized_spans"), day, list(SPAN_COLUMNS), trace_ids=ids or [""]
    )
    context.log.info(f"judging {len(ids)} traces ({len(spans)} spans) with {the_judge.model_name}")
    return evaluate_partition(
        spans, shard, the_judge, config, day, cache=cache, price_overrides=fi.prices
    )


@dg.op(out=dg.Out(pd.DataFrame, io_manager_key="warehouse_io_manager"))
def combine_eval_results(
    context: dg.OpExecutionContext, shard_results: list[pd.DataFrame]
) -> dg.Output[pd.DataFrame]:
    """All shards' rows for the partition (written atomically by the warehouse IO manager)."""
    results = pd.concat(shard_results, ignore_index=True) if shard_results else pd.DataFrame()
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
            "shards": len(shard_results),
            "errors": int(counts.get("error", 0)),
            "skipped": int(counts.get("skipped", 0)),
            "judge_model": _judge_model(results),
            **totals.as_metadata(),
            "preview": preview(results.drop(columns=["reason"], errors="ignore")),
        },
    )


def _judge_model(results: pd.DataFrame) -> str:
    models = results["judge_model"].dropna() if "judge_model" in results else pd.Series()
    return str(models.mode().iloc[0]) if len(models) else "none"


def shard_retry_policy(retry: ShardRetryConfig) -> dg.RetryPolicy:
    """Dagster's step retry for a failed shard: the other shards keep their results."""
    return dg.RetryPolicy(
        max_retries=retry.max_retries, delay=retry.delay_s, backoff=dg.Backoff.EXPONENTIAL
    )


def eval_results_asset(shard_retry: ShardRetryConfig) -> dg.AssetsDefinition:
    """``fi_eval_results`` with its shard steps retried as ``evaluation.shard_retry`` says."""
    judge_shard = evaluate_shard.with_retry_policy(shard_retry_policy(shard_retry))

    @dg.graph_asset(
        name="fi_eval_results",
        partitions_def=daily_partitions,
        group_name="fi_nightly",
        kinds={"openai", "sql"},
        ins={"normalized_spans": dg.AssetIn(dagster_type=dg.Nothing)},
        description="Evaluator scores; a failed judge call is an `error` row, never a pass "
        "or fail.",
    )
    def fi_eval_results(normalized_spans, cohort_sample: pd.DataFrame):
        shards = plan_eval_shards(cohort_sample)
        results = shards.map(lambda shard: judge_shard(shard, normalized_spans))
        return combine_eval_results(results.collect())

    return fi_eval_results


fi_eval_results = eval_results_asset(load_config().evaluation.shard_retry)
