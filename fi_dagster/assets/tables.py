"""The daily tables a team reads every morning: quality, cost and latency.

Each materialization carries numeric metadata under stable keys (the Dagster UI plots them
across partitions) and a Markdown preview. Span inputs load only the columns their table
reads, so a 1M-span day stays small in memory.
"""

import dagster as dg
import pandas as pd

from fi_dagster.assets.metadata import preview
from fi_dagster.assets.partitions import daily_partitions
from fi_dagster.resources import FiConfigResource
from fi_dagster.stats import cost, latency
from fi_dagster.stats.quality import ALL, headline_pass_rate, quality_daily
from fi_dagster.traces.schema import COHORT_COLUMNS
from fi_dagster.warehouse.tables import metadata as warehouse_tables

_table = dict(
    partitions_def=daily_partitions,
    io_manager_key="warehouse_io_manager",
    group_name="fi_nightly",
    kinds={"sql"},
)


def _spans_with(columns: tuple[str, ...]) -> dg.AssetIn:
    return dg.AssetIn("normalized_spans", metadata={"columns": list(columns)})


def _rows_where_all(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The roll-up rows whose `columns` are all ``*`` (the whole day when all are given)."""
    return frame[(frame[columns] == ALL).all(axis=1)] if len(frame) else frame


def _storable(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The columns the warehouse table has (the core may compute a few more)."""
    known = warehouse_tables.tables[table].columns.keys()
    return frame[[c for c in frame.columns if c in known]]


def quality_metadata(table: pd.DataFrame, results: pd.DataFrame) -> dict:
    """Headline pass rate, counts, and each evaluator's pass rate (`pass_rate/<evaluator>`)."""
    day = _rows_where_all(table, list(COHORT_COLUMNS))
    metadata: dict = {
        "rows": len(table),
        "results": int(day["n"].sum() + day["n_error"].sum()) if len(day) else 0,
        "eval_errors": int(day["n_error"].sum()) if len(day) else 0,
        "pass_rate": headline_pass_rate(results),
        "preview": preview(day),
    }
    for row in day.itertuples():
        metadata[f"pass_rate/{row.evaluator}"] = float(row.pass_rate)
    return metadata


@dg.asset(**_table)
def fi_quality_daily(fi_eval_results: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    """Weighted pass rate with a 95% interval per cohort × evaluator, with "*" roll-ups."""
    table = quality_daily(fi_eval_results)
    return dg.Output(table, metadata=quality_metadata(table, fi_eval_results))


def cost_metadata(table: pd.DataFrame) -> dict:
    """The day's priced cost, unpriced calls, judge spend and cost per trace."""
    day = _rows_where_all(table, list(cost.COST_KEYS))
    full = table[(table[list(cost.COST_KEYS)] != ALL).all(axis=1)] if len(table) else table

    def of_day(column: str, empty: float = 0.0) -> float:
        return float(day[column].iloc[0]) if len(day) else empty

    return {
        "rows": len(table),
        "llm_calls": int(of_day("n_calls")),
        "traces": int(of_day("n_traces")),
        "cost_usd": of_day("cost_usd"),
        "unpriced_calls": int(full.loc[~full["price_known"], "n_calls"].sum()) if len(full) else 0,
        "judge_cost_usd": of_day("judge_cost_usd"),
        "cost_per_trace_p50": of_day("cost_per_trace_p50", float("nan")),
        "cost_per_trace_p95": of_day("cost_per_trace_p95", float("nan")),
        "preview": preview(_rows_where_all(table, ["tenant", "route"])),
    }


@dg.asset(**_table, ins={"normalized_spans": _spans_with(cost.SPAN_INPUTS)})
def fi_cost_daily(
    context: dg.AssetExecutionContext,
    normalized_spans: pd.DataFrame,
    fi_eval_results: pd.DataFrame,
    fi_config: FiConfigResource,
) -> dg.Output[pd.DataFrame]:
    """Tokens and dollars per model × tenant × route with "*" roll-ups; judge spend apart."""
    prices = fi_config.load().prices
    table = cost.cost_daily(normalized_spans, fi_eval_results, context.partition_key, prices)
    return dg.Output(_storable(table, "fi_cost_daily"), metadata=cost_metadata(table))


def latency_metadata(table: pd.DataFrame, spans: pd.DataFrame) -> dict:
    """Exact p99 of requests and LLM calls, the worst step's p99, and the error rate."""
    headline = latency.latency_headline(spans)
    spans_n = int(table["n"].sum()) if len(table) else 0
    errors = float((table["error_rate"] * table["n"]).sum()) if len(table) else 0.0
    worst = table.sort_values("p99_ms", ascending=False)
    return {
        "rows": len(table),
        "spans": spans_n,
        "request_p99_ms": headline.request_p99_ms,
        "llm_p99_ms": headline.llm_p99_ms,
        "max_p99_ms": float(worst["p99_ms"].iloc[0]) if len(worst) else float("nan"),
        "error_rate": errors / spans_n if spans_n else 0.0,
        "preview": preview(worst),
    }


@dg.asset(**_table, ins={"normalized_spans": _spans_with(latency.SPAN_INPUTS)})
def fi_latency_daily(normalized_spans: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    """Exact p50/p95/p99/max and error rate per span kind × span name × model."""
    table = latency.latency_daily(normalized_spans)
    return dg.Output(table, metadata=latency_metadata(table, normalized_spans))
