"""SpanError: a trace passes only if none of its spans ended in ERROR."""

from __future__ import annotations

import pandas as pd
from span_table import SpanTable, evaluate, only


def test_clean_trace_passes_on_its_root(spans: SpanTable) -> None:
    spans.add("t1", "root", "CHAIN").add("t1", "child", parent="root", at=1)
    row = only(evaluate(spans), "SpanError")
    assert (row.span_id, row.score, row.passed) == ("root", 1.0, True)


def test_error_anywhere_fails_the_root_and_names_the_span(spans: SpanTable) -> None:
    spans.add("t1", "root", "CHAIN")
    spans.add(
        "t1",
        "db",
        "TOOL",
        parent="root",
        at=1,
        name="query_db",
        status="ERROR",
        status_message="connection refused",
    )
    row = only(evaluate(spans), "SpanError")
    assert (row.span_id, row.score, row.passed) == ("root", 0.0, False)
    assert row.reason == "ERROR spans: query_db [TOOL]: connection refused"


def test_one_row_per_trace(spans: SpanTable) -> None:
    spans.add("t1", "a", "CHAIN").add("t2", "b", "CHAIN", status="ERROR")
    spans.add("t2", "c", parent="b", at=1)
    results = evaluate(spans)
    rows = results[results["evaluator"] == "SpanError"]
    assert rows.set_index("trace_id")["passed"].to_dict() == {"t1": True, "t2": False}


def test_trace_whose_root_was_lost_is_judged_on_its_orphans(spans: SpanTable) -> None:
    spans.add("t1", "orphan", parent="never-exported", status="ERROR")
    row = only(evaluate(spans), "SpanError")
    assert row.span_id == "orphan" and row.passed is False
    assert pd.isna(row.judge_cost_usd)
