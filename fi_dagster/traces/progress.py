"""Progress of a day's ingestion, file by file, for whoever shows it (Dagster's log, the CLI).

A large day takes minutes; without a word in between, a stuck read and a slow one look the
same. Reports are throttled, so a day of thousands of small files does not flood the log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

REPORT_EVERY_S = 10.0


@dataclass(frozen=True)
class IngestProgress:
    files_done: int
    files_total: int
    spans: int  # kept so far
    elapsed_s: float

    def __str__(self) -> str:
        rate = self.spans / self.elapsed_s if self.elapsed_s > 0 else 0.0
        return (
            f"read {self.files_done}/{self.files_total} files: {self.spans:,} spans kept, "
            f"{self.elapsed_s:.0f} s, {rate:,.0f} spans/s"
        )


class ProgressReporter:
    """Calls ``report`` after a file when ``every_s`` has passed since the last call, and
    always after the last file."""

    def __init__(
        self,
        files_total: int,
        report: Callable[[IngestProgress], None] | None,
        every_s: float = REPORT_EVERY_S,
    ) -> None:
        self.files_total, self.report, self.every_s = files_total, report, every_s
        self.files_done = 0
        self.started = self.last = time.monotonic()

    def file_done(self, spans: int) -> None:
        self.files_done += 1
        now = time.monotonic()
        last_file = self.files_done == self.files_total
        if self.report is None or (now - self.last < self.every_s and not last_file):
            return
        self.last = now
        self.report(IngestProgress(self.files_done, self.files_total, spans, now - self.started))
