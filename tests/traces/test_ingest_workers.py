"""Reading a day's files in worker processes gives exactly what reading them in one pass
gives: the same rows in the same order, the same cohorts, counts and quarantine."""

from __future__ import annotations

import dataclasses
import os

import pandas as pd
import pyarrow as pa
import pytest
from otlp_lines import Day, line, quarantined, span
from test_ingest_formats import canonical_parquet

from fi_dagster.config import IngestConfig
from fi_dagster.storage import open_store
from fi_dagster.storage.object_store import ObjectInfo
from fi_dagster.traces.workers import worker_count

OI_LLM = {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o"}
GENAI = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "claude"}


def _write_day(day: Day) -> None:
    """Three files with duplicates across them, bad lines, odd values and a trace whose
    cohort values are spread over two files."""
    root = span(1, 1, name="agent", start_ms=5, route="from-root")  # tenant: c.parquet's
    day.write(
        "hour=01/a.jsonl",
        line(root, span(2, 1, **OI_LLM, tenant="t-a"))
        + b"{not json\n"
        + line(span(3, 1, **GENAI), resource={"service.name": "svc", "tenant.id": "res-t"}),
    )
    odd = span(4, 1, **OI_LLM, **{"llm.token_count.prompt": "12", "note": "x" * 300})
    inverted = span(5, 1)
    inverted["endTimeUnixNano"] = "1"
    day.write(
        "hour=02/b.jsonl",
        # a duplicate of a.jsonl's span, first in its file: it must not count for b's
        # convention, nor bring its odd values or cohort values into the day
        line(
            span(
                2, 1, **GENAI, tenant="dup-t", note="y" * 300, **{"gen_ai.usage.input_tokens": "7"}
            ),
            resource={"tenant.id": "r"},
        )
        + line(span(1, 2, parent=1, start_ms=1, **GENAI, tenant="early"), odd, inverted)
        + b'{"resourceSpans": 7}\n'
        + line(span(3, 1, **GENAI)),  # a duplicate again
    )
    start = pa.scalar(1_717_236_000_000_000, pa.timestamp("us", tz="UTC")).as_py()
    imported = {"trace_id": f"{1:032x}", "span_id": f"{9:016x}", "parent_span_id": f"{1:016x}"}
    imported |= {"name": "imp", "start_time": start, "end_time": start, "tenant": "pq"}
    duplicate = {**imported, "span_id": f"{2:016x}"}  # b.jsonl's span again
    day.write("hour=03/c.parquet", canonical_parquet([imported, duplicate]))
    day.write("hour=04/d.jsonl", line(span(2, 1, **OI_LLM), span(6, 1, **GENAI)))


def _ingest(day: Day, workers: int) -> tuple:
    day.config = IngestConfig(max_attribute_chars=100, workers=workers)
    result, spans = day.ingest()
    return result, spans, quarantined(result)


def test_two_workers_give_the_same_rows_counts_and_quarantine_as_one(day):
    _write_day(day)
    one, spans_one, records_one = _ingest(day, workers=1)
    two, spans_two, records_two = _ingest(day, workers=2)
    pd.testing.assert_frame_equal(spans_one, spans_two)
    pd.testing.assert_frame_equal(one.stats, two.stats)
    assert records_one == records_two and len(records_one) == 3
    assert dataclasses.replace(one, stats=None) == dataclasses.replace(two, stats=None)
    # and the case is not trivial: duplicates across files, odd values, cross-file cohorts
    assert one.stats["duplicate_spans"].sum() == 4
    assert one.stats["oversized_attributes"].sum() == 1
    assert one.stats["wrong_type_values"].sum() == 1
    tenants = spans_one.drop_duplicates("trace_id").set_index("trace_id")["tenant"]
    assert tenants[f"{1:032x}"] == "pq" and tenants[f"{3:032x}"] == "res-t"


@pytest.mark.parametrize(
    ("setting", "sizes", "expected"),
    [
        (2, [1, 1, 1], 2),
        (4, [1, 1], 2),  # never more workers than files
        (2, [1], 1),
        ("auto", [1, 1, 1], 1),  # a small day is read in-process
        ("auto", [1 << 30, 1 << 30], min(2, len(os.sched_getaffinity(0)))),
    ],
)
def test_worker_count_follows_the_setting_and_the_day(day, setting, sizes, expected):
    objects = [ObjectInfo(f"f{i}.jsonl", f"file:///f{i}.jsonl", s) for i, s in enumerate(sizes)]
    assert worker_count(setting, objects, day.store) == expected


def test_a_store_that_cannot_be_reopened_is_read_in_process(day):
    objects = [ObjectInfo(f"f{i}.jsonl", "", 1 << 30) for i in range(3)]
    assert worker_count(2, objects, object()) == 1


def test_a_daemonic_process_reads_in_process(day, monkeypatch):
    """A Celery prefork child (daemonic) cannot start worker processes."""
    daemonic = type("Daemonic", (), {"daemon": True})()
    monkeypatch.setattr("multiprocessing.current_process", lambda: daemonic)
    objects = [ObjectInfo(f"f{i}.jsonl", "", 1 << 30) for i in range(3)]
    assert worker_count(2, objects, day.store) == 1


@dataclasses.dataclass
class S3Day(Day):
    """The same day in a bucket on the moto server (workers re-open it from its URI)."""

    uri: str = ""
    endpoint: str = ""

    @property
    def store(self):
        return open_store(self.uri, endpoint_url=self.endpoint)


def test_workers_reopen_an_s3_store_and_read_what_one_process_reads(
    tmp_path, s3_endpoint, s3_bucket
):
    day = S3Day(tmp_path, uri=f"s3://{s3_bucket}/traces", endpoint=s3_endpoint)
    _write_day(day)
    assert worker_count(2, day.store.list(f"dt={day.day}/"), day.store) == 2
    one, spans_one, records_one = _ingest(day, workers=1)
    two, spans_two, records_two = _ingest(day, workers=2)
    pd.testing.assert_frame_equal(spans_one, spans_two)
    pd.testing.assert_frame_equal(one.stats, two.stats)
    assert records_one == records_two and len(spans_one) == 7
    assert all(uri.startswith(f"s3://{s3_bucket}/") for uri in two.files)
