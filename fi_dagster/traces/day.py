"""What reading one partition accumulates across its files, and the rules every reader shares.

A span is kept once per (trace_id, span_id) across the whole day (first file in key order
wins); a rejected span is quarantined and counted under its convention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fi_dagster.config import IngestConfig
from fi_dagster.traces.cohorts import CohortResolver
from fi_dagster.traces.counts import IngestCounts
from fi_dagster.traces.quarantine import Quarantine
from fi_dagster.traces.spans_parquet import SpanSpool, Spool


@dataclass
class DayState:
    partition_date: str
    config: IngestConfig
    resolver: CohortResolver
    spool: SpanSpool
    counts: IngestCounts = field(default_factory=IngestCounts)
    quarantine: Quarantine = field(default_factory=Quarantine)
    seen: set[bytes] = field(default_factory=set)  # trace_id + span_id as 24 raw bytes
    # files read apart (``merge_parts``): their own spools, and which of their rows stay
    part_spools: list[Spool] = field(default_factory=list)

    def spools(self) -> list[Spool]:
        """Every spool of the day's rows, in key order (see ``write_partition``)."""
        return [(self.spool.path, None), *self.part_spools]

    def first_sighting(self, key: bytes) -> bool:
        """True the first time a span (trace id + span id bytes) is met today."""
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def odd_values_kept(self, wrong_type: int, oversized: int) -> None:
        """Called (rarely) when the span about to be kept brought odd values; a hook for
        readers that must be able to take a span back (see ``file_part``)."""

    def reject(
        self,
        convention: str,
        where: tuple[str, int],
        reason: str,
        raw: Any,
        *,
        ends_before_start: bool = False,
    ) -> None:
        """Quarantine one span (``where`` = file, line) and count it."""
        counts = self.counts[convention]
        counts.bad_spans += 1
        counts.ends_before_start += ends_before_start
        self.quarantine.add(where[0], where[1], f"bad span: {reason}", raw)
