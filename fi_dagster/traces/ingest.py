"""Read one day of trace files into a canonical spans Parquet file, accounting for every input.

Nothing is silently dropped: a malformed line or span goes to the quarantine object with its
file, line number and reason; duplicates, odd values, oversized attributes and non-UTF-8 bytes
are counted in ``fi_ingest_daily``. A file that cannot be read at all (corrupt archive,
unreadable Parquet) stops the run with its name.

Files are read in-process, or by worker processes for a large multi-file day
(``IngestConfig.workers``); either way the result is the same, to the row and the count.

Memory stays bounded: files stream in chunks, spans leave for disk in batches, and what is
kept for the whole day is one 24-byte key per span (duplicates) and a few values per trace
(cohorts).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from fi_dagster.config import CohortMapping, IngestConfig
from fi_dagster.traces.cohorts import CohortResolver
from fi_dagster.traces.day import DayState
from fi_dagster.traces.files import file_format, partition_prefix
from fi_dagster.traces.gc_pause import cyclic_gc_paused
from fi_dagster.traces.merge_parts import merge_part
from fi_dagster.traces.progress import IngestProgress, ProgressReporter
from fi_dagster.traces.quarantine import QuarantineStore
from fi_dagster.traces.spans_parquet import SpanSpool, write_partition
from fi_dagster.traces.trace_file import UnreadableFile, read_trace_file
from fi_dagster.traces.workers import read_parts, worker_count


class PartitionNotFound(FileNotFoundError):
    """The partition folder does not exist in the trace store."""


class ReadableStore(Protocol):
    def list(self, prefix: str = "") -> list[Any]: ...
    def exists(self, prefix: str) -> bool: ...
    def open(self, key: str) -> Any: ...
    def uri(self, key: str) -> str: ...


@dataclass
class IngestResult:
    """Where the day's canonical spans went and the counts that account for every input."""

    path: Path  # the partition's canonical spans Parquet file
    spans: int
    traces: int
    stats: pd.DataFrame  # fi_ingest_daily rows, one per convention
    files: list[str]
    quarantine_uri: str | None
    quarantined: int


def ingest_partition(
    store: ReadableStore,
    partition_date: str,
    mapping: CohortMapping,
    quarantine_store: QuarantineStore,
    out_path: Path,
    config: IngestConfig | None = None,
    progress: Callable[[IngestProgress], None] | None = None,
) -> IngestResult:
    """Normalize every trace file under ``dt=<partition_date>/`` of ``store`` into ``out_path``.

    ``progress`` hears how far the day has got, now and then and after the last file.
    """
    config = config or IngestConfig()
    prefix = partition_prefix(partition_date)
    objects = [o for o in store.list(prefix) if file_format(o.key)]
    if not objects and not store.exists(prefix):
        raise PartitionNotFound(
            f"no partition folder {store.uri(prefix)} (expected trace files under it; "
            "check FI_TRACES_URI and that the collector wrote this day)"
        )
    workers = worker_count(config.workers, objects, store)
    with tempfile.TemporaryDirectory(prefix="fi-ingest-") as tmp:
        spool = SpanSpool(Path(tmp) / "spool.arrow")
        day = DayState(partition_date, config, CohortResolver(mapping), spool)
        try:
            with cyclic_gc_paused():
                keys = [o.key for o in objects]
                reporter = ProgressReporter(len(keys), progress)
                _read_day(store, keys, day, mapping, workers, Path(tmp), reporter)
        finally:
            spool.close()
        traces = len(day.resolver)
        day.seen.clear()
        spans = write_partition(
            day.spools(), out_path, partition_date, day.resolver.resolve_all(), config.chunk_spans
        )
    quarantine_uri = day.quarantine.store(quarantine_store, prefix)
    return IngestResult(
        path=out_path,
        spans=spans,
        traces=traces,
        stats=day.counts.frame(quarantine_uri),
        files=[store.uri(o.key) for o in objects],
        quarantine_uri=quarantine_uri,
        quarantined=day.quarantine.count,
    )


def _read_day(
    store: ReadableStore,
    keys: list[str],
    day: DayState,
    mapping: CohortMapping,
    workers: int,
    folder: Path,
    reporter: ProgressReporter,
) -> None:
    if workers == 1:
        for key in keys:
            read_trace_file(store, key, day)
            reporter.file_done(day.counts.total("spans"))
        return
    parts = read_parts(store, keys, day.partition_date, day.config, mapping, folder, workers)  # type: ignore[arg-type]
    for part in parts:
        merge_part(part, day)
        reporter.file_done(day.counts.total("spans"))


__all__ = ["IngestResult", "PartitionNotFound", "UnreadableFile", "ingest_partition"]
