"""The nightly graph through Dagster: tables filled, re-runs idempotent, S3 input, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from conftest import TABLES

from fi_dagster.demo import Regression

DAY = "2026-11-10"


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(columns=["detected_at"], errors="ignore")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_one_partition_fills_every_table_consistently(nightly):
    generated = nightly.generate(DAY, traces=150)
    [outcome] = nightly.run(DAY)
    assert outcome.success, outcome.error

    ingest = nightly.table("fi_ingest_daily", DAY)
    assert int(ingest["spans"].sum()) == generated.spans
    assert int(ingest["bad_lines"].sum()) == 0

    cost = nightly.table("fi_cost_daily", DAY)
    day = cost[(cost[["model", "tenant", "route"]] == "*").all(axis=1)]
    assert int(day["n_traces"].iloc[0]) == generated.traces  # every trace makes an LLM call
    results = nightly.table("fi_eval_results", DAY)
    assert {"JSONValidation", "Groundedness", "TaskCompletion"} <= set(results["evaluator"])
    assert set(results["status"]) <= {"ok", "error", "skipped"}
    judged = results[results["judge_model"].notna()]
    assert (judged["judge_model"] == "heuristic-v1").all()
    assert results["trace_id"].nunique() == generated.traces  # sampling rate 1.0

    quality = nightly.table("fi_quality_daily", DAY)
    total = quality[(quality[["model", "prompt_version", "route", "tenant"]] == "*").all(axis=1)]
    for row in total.itertuples():
        ok = results[(results["evaluator"] == row.evaluator) & (results["status"] == "ok")]
        assert row.n == len(ok)
        assert abs(row.pass_rate - ok["passed"].mean()) < 1e-9

    latency = nightly.table("fi_latency_daily", DAY)
    assert int(latency["n"].sum()) == generated.spans


def test_rematerializing_a_partition_gives_identical_tables(nightly):
    nightly.generate(DAY, traces=120)
    assert nightly.run(DAY)[0].success
    first = {t: _sorted(nightly.table(t, DAY)) for t in TABLES}
    assert nightly.run(DAY)[0].success
    for table in TABLES:
        pd.testing.assert_frame_equal(_sorted(nightly.table(table, DAY)), first[table], obj=table)
    assert len(first["fi_eval_results"]) > 0


def test_partition_read_from_s3(s3_nightly):
    generated = s3_nightly.generate(DAY, traces=80)
    assert all(uri.startswith("s3://") for uri in generated.files)
    [outcome] = s3_nightly.run(DAY)
    assert outcome.success, outcome.error
    ingest = s3_nightly.table("fi_ingest_daily", DAY)
    assert int(ingest["spans"].sum()) == generated.spans
    assert int(ingest["files"].sum()) == len(generated.files)


def test_missing_partition_folder_fails_with_its_uri(nightly):
    [outcome] = nightly.run(DAY)
    assert not outcome.success
    assert "no partition folder" in outcome.error
    assert f"dt={DAY}" in outcome.error


def test_empty_partition_succeeds_with_no_rows(nightly):
    nightly.traces.write_bytes(f"dt={DAY}/README.txt", b"collector restarted, nothing today\n")
    nightly.traces.write_bytes(f"dt={DAY}/hour=00/empty.jsonl", b"")
    [outcome] = nightly.run(DAY)
    assert outcome.success, outcome.error
    for table in ("fi_eval_results", "fi_quality_daily", "fi_latency_daily", "fi_regressions"):
        assert nightly.table(table, DAY).empty, table
    ingest = nightly.table("fi_ingest_daily", DAY)
    assert int(ingest["spans"].sum()) == 0 and int(ingest["files"].sum()) == 1


def test_malformed_line_is_quarantined_and_the_rest_processed(nightly):
    generated = nightly.generate(DAY, traces=60)
    key = generated.files[0].split("/traces/", 1)[1]
    good = nightly.traces.read_bytes(key)
    nightly.traces.write_bytes(key, good + b'{"resourceSpans": [ truncated\nnot json at all\n')
    [outcome] = nightly.run(DAY)
    assert outcome.success, outcome.error
    ingest = nightly.table("fi_ingest_daily", DAY)
    assert int(ingest["bad_lines"].sum()) == 2
    assert int(ingest["spans"].sum()) == generated.spans
    [uri] = ingest["quarantine_uri"].dropna().unique()
    text = Path(uri.removeprefix("file://")).read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["file"] for r in records] == [key, key]
    assert all(r["line"] > 0 and r["reason"] for r in records)


def test_injected_regression_is_flagged_for_its_cohort_only(nightly):
    days = ["2026-11-07", "2026-11-08", "2026-11-09", DAY]
    for day in days[:-1]:
        nightly.generate(day, traces=400)
    nightly.generate(
        DAY, traces=400, regressions=(Regression("quality", {"tenant": "northwind"}, None, 10.0),)
    )
    outcomes = nightly.run(*days)
    assert all(o.success for o in outcomes), [o.error for o in outcomes]
    for day in days[:-1]:
        assert nightly.table("fi_regressions", day).empty, day
    flagged = nightly.table("fi_regressions", DAY)
    cohorts = [json.loads(c) for c in flagged["cohort"]]
    assert {"tenant": "northwind"} in cohorts
    assert all(c.get("tenant", "northwind") == "northwind" for c in cohorts)
