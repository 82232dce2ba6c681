"""The eval results table: one row per (trace, span, evaluator), as in ``fi_eval_results``."""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd


@dataclass(frozen=True)
class EvalResult:
    partition_date: str
    trace_id: str
    span_id: str
    span_name: str
    span_kind: str
    evaluator: str
    score: float | None
    passed: bool | None
    status: str
    reason: str
    judge_model: str | None
    judge_prompt_tokens: int | None
    judge_completion_tokens: int | None
    judge_cost_usd: float | None
    cached: bool
    sample_weight: float
    model: str | None
    prompt_version: str | None
    route: str | None
    tenant: str | None


RESULT_COLUMNS = tuple(f.name for f in fields(EvalResult))
_DTYPES = {
    "score": "float64",
    "passed": "object",
    "judge_prompt_tokens": "Int64",
    "judge_completion_tokens": "Int64",
    "judge_cost_usd": "float64",
    "cached": "bool",
    "sample_weight": "float64",
}


def results_frame(results: list[EvalResult]) -> pd.DataFrame:
    """Rows sorted by trace, span and evaluator, with stable dtypes even when empty."""
    rows = [tuple(getattr(r, column) for column in RESULT_COLUMNS) for r in results]
    frame = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    frame = frame.astype(_DTYPES)
    frame = frame.sort_values(["trace_id", "span_id", "evaluator"], kind="stable")
    return frame.reset_index(drop=True)
