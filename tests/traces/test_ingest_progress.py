"""A long ingestion says how far it has got: after files now and then, and after the last."""

from __future__ import annotations

import pytest
from otlp_lines import line, span

from fi_dagster.config import IngestConfig
from fi_dagster.traces.progress import IngestProgress, ProgressReporter


@pytest.mark.parametrize("workers", [1, 2])
def test_the_last_report_accounts_for_every_file_and_kept_span(day, workers):
    for n in range(3):
        spans = [span(10 * n + i, 10 * n + i) for i in range(n + 1)]
        day.write(f"hour=0{n}/part.jsonl", line(*spans))
    day.write("hour=09/dup.jsonl", line(span(1, 1), span(99, 99)))  # one duplicate
    day.config = IngestConfig(workers=workers)
    heard: list[IngestProgress] = []
    result, spans = day.ingest(progress=heard.append)
    last = heard[-1]
    assert (last.files_done, last.files_total) == (4, 4)
    assert last.spans == result.spans == len(spans) == 1 + 2 + 3 + 1
    assert "4/4 files" in str(last) and "7 spans kept" in str(last)


def test_reports_are_throttled_but_the_last_file_is_always_reported():
    every: list[IngestProgress] = []
    reporter = ProgressReporter(5, every.append, every_s=0)
    for n in range(5):
        reporter.file_done(spans=10 * (n + 1))
    assert [p.files_done for p in every] == [1, 2, 3, 4, 5]
    assert [p.spans for p in every] == [10, 20, 30, 40, 50]

    rare: list[IngestProgress] = []
    reporter = ProgressReporter(5, rare.append, every_s=3600)
    for n in range(5):
        reporter.file_done(spans=n)
    assert [p.files_done for p in rare] == [5]
