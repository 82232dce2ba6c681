"""Hand-built span tables and result look-ups for the evaluator tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from fi_dagster.config import EvaluationConfig, PriceOverride
from fi_dagster.evals import HeuristicJudge, Judge, evaluate_partition
from fi_dagster.traces.schema import SPAN_COLUMNS

PARTITION = "2024-06-01"
T0 = pd.Timestamp("2024-06-01T12:00:00Z")
COLUMNS = SPAN_COLUMNS


class SpanTable:
    """Accumulates spans; JSON columns may be given as Python lists / dicts or raw text."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        trace_id: str,
        span_id: str,
        kind: str = "LLM",
        *,
        parent: str | None = None,
        status: str = "OK",
        at: float = 0.0,
        route: str = "support",
        **columns: Any,
    ) -> SpanTable:
        row = {
            "partition_date": PARTITION,
            "trace_id": trace_id,
            "span_id": span_id,
            "parent_span_id": parent,
            "name": columns.pop("name", f"{kind.lower()}-{span_id}"),
            "span_kind": kind,
            "status": status,
            "start_time": T0 + pd.Timedelta(seconds=at),
            "route": route,
            "model": "gpt-4o-mini",
            "tenant": "acme",
            "prompt_version": "v1",
        }
        for key, value in columns.items():
            row[key] = json.dumps(value) if isinstance(value, list | dict) else value
        self.rows.append(row)
        return self

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(COLUMNS))

    def sample(self, weight: float = 1.0) -> pd.DataFrame:
        trace_ids = sorted({r["trace_id"] for r in self.rows})
        return pd.DataFrame({"trace_id": trace_ids, "sample_weight": weight})


def evaluate(
    table: SpanTable,
    config: EvaluationConfig | None = None,
    judge: Judge | None = None,
    sample: pd.DataFrame | None = None,
    price_overrides: Sequence[PriceOverride] = (),
) -> pd.DataFrame:
    return evaluate_partition(
        table.frame(),
        table.sample() if sample is None else sample,
        judge or HeuristicJudge(),
        config or EvaluationConfig(),
        PARTITION,
        price_overrides=price_overrides,
    )


def only(results: pd.DataFrame, evaluator: str, span_id: str | None = None) -> pd.Series:
    """The single result row of ``evaluator`` (on ``span_id``); fails if not exactly one."""
    rows = results[results["evaluator"] == evaluator]
    if span_id is not None:
        rows = rows[rows["span_id"] == span_id]
    assert len(rows) == 1, f"expected one {evaluator} row, got\n{rows}"
    return rows.iloc[0]
