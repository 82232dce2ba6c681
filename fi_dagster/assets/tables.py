"""The daily tables a team reads every morning: quality, cost and latency."""

import dagster as dg
import pandas as pd

from fi_dagster.assets.metadata import preview
from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.resources import FiConfigResource
from fi_dagster.stats.cost import cost_daily
from fi_dagster.stats.latency import latency_daily
from fi_dagster.stats.quality import quality_daily

_table = dict(
    partitions_def=daily_partitions,
    io_manager_key="warehouse_io_manager",
    group_name="fi_nightly",
    kinds={"sql"},
)


def _total_rows(frame: pd.DataFrame) -> pd.DataFrame:
    cohort = ["model", "prompt_version", "route", "tenant"]
    return frame[(frame[cohort] == "*").all(axis=1)] if not frame.empty else frame


@dg.asset(**_table)
def fi_quality_daily(fi_eval_results: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    """Weighted pass rate with a 95% interval per cohort × evaluator, with "*" roll-ups."""
    quality = quality_daily(fi_eval_results)
    totals = _total_rows(quality)
    metadata: dict = {"rows": len(quality), "preview": preview(totals)}
    for row in totals.itertuples():
        metadata[f"pass_rate/{row.evaluator}"] = float(row.pass_rate)
    return dg.Output(quality, metadata=metadata)


@dg.asset(**_table)
def fi_cost_daily(
    context: dg.AssetExecutionContext,
    normalized_spans: pd.DataFrame,
    fi_eval_results: pd.DataFrame,
    fi_config: FiConfigResource,
) -> dg.Output[pd.DataFrame]:
    """Tokens and dollars per model × tenant × route; judge spend in its own column."""
    cost = cost_daily(
        normalized_spans, fi_eval_results, context.partition_key, fi_config.load().prices
    )
    return dg.Output(
        cost,
        metadata={
            "rows": len(cost),
            "cost_usd": float(cost["cost_usd"].fillna(0).sum()) if len(cost) else 0.0,
            "judge_cost_usd": float(cost["judge_cost_usd"].fillna(0).sum()) if len(cost) else 0.0,
            "preview": preview(cost),
        },
    )


@dg.asset(**_table)
def fi_latency_daily(normalized_spans: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    """Exact p50/p95/p99/max and error rate per span kind × span name × model."""
    latency = latency_daily(normalized_spans)
    worst = latency.sort_values("p99_ms", ascending=False)
    return dg.Output(
        latency,
        metadata={
            "rows": len(latency),
            "max_p99_ms": float(worst["p99_ms"].iloc[0]) if len(worst) else 0.0,
            "preview": preview(worst),
        },
    )
