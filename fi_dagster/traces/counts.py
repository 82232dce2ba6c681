"""The counts behind ``fi_ingest_daily``: one row per source convention, every input accounted.

File-level counts (``files, lines, bad_lines, invalid_utf8_lines``) go to the convention most
spans of the file use; span-level counts go to each span's own convention. For OTLP input,
every span read is exactly one of: kept (``spans``), a duplicate (``duplicate_spans``) or
rejected and quarantined (``bad_spans``, of which ``ends_before_start`` ended before it began).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields

import pandas as pd

from fi_dagster.traces import conventions as cv


@dataclass
class ConventionCounts:
    files: int = 0
    lines: int = 0
    spans: int = 0
    bad_lines: int = 0
    bad_spans: int = 0
    duplicate_spans: int = 0
    ends_before_start: int = 0
    wrong_type_values: int = 0
    oversized_attributes: int = 0
    invalid_utf8_lines: int = 0


COUNT_COLUMNS = tuple(f.name for f in fields(ConventionCounts))
INGEST_COLUMNS = ("convention", *COUNT_COLUMNS, "quarantine_uri")


@dataclass
class FileCounts:
    """What one file contributed before its convention is known (it is, once it is read)."""

    lines: int = 0
    bad_lines: int = 0
    invalid_utf8_lines: int = 0
    spans_by_convention: Counter[str] | None = None

    def dominant_convention(self, default: str = cv.UNKNOWN) -> str:
        if not self.spans_by_convention:
            return default
        return self.spans_by_convention.most_common(1)[0][0]


class IngestCounts:
    """Per-convention counters for one partition."""

    def __init__(self) -> None:
        self.by_convention: dict[str, ConventionCounts] = {}

    def __getitem__(self, convention: str) -> ConventionCounts:
        counts = self.by_convention.get(convention)
        if counts is None:
            counts = self.by_convention[convention] = ConventionCounts()
        return counts

    def add_file(self, file: FileCounts, default_convention: str = cv.UNKNOWN) -> None:
        counts = self[file.dominant_convention(default_convention)]
        counts.files += 1
        counts.lines += file.lines
        counts.bad_lines += file.bad_lines
        counts.invalid_utf8_lines += file.invalid_utf8_lines

    def total(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.by_convention.values())

    def frame(self, quarantine_uri: str | None) -> pd.DataFrame:
        """The ``fi_ingest_daily`` rows of the partition (without ``partition_date``)."""
        rows = [
            {"convention": name, **vars(counts), "quarantine_uri": quarantine_uri}
            for name, counts in sorted(self.by_convention.items())
        ]
        frame = pd.DataFrame(rows, columns=list(INGEST_COLUMNS))
        return frame.astype({c: "int64" for c in COUNT_COLUMNS})
