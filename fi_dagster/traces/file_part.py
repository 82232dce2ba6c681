"""One trace file read on its own (in a worker process), with what it takes to merge it into
the day exactly as if the day had been read in one pass.

A file read alone cannot know which of its spans an earlier file already holds, nor can it
resolve cohorts of traces that cross files. So it keeps every span it sees first, and records
for each kept row its duplicate key, cohort observation and odd-value counts; the parent
(``merge_parts``) then replays the day's rules over the files in key order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fi_dagster.config import CohortMapping, IngestConfig
from fi_dagster.storage import open_store
from fi_dagster.traces import conventions as cv
from fi_dagster.traces.cohorts import CohortResolver
from fi_dagster.traces.counts import ConventionCounts, FileCounts, IngestCounts
from fi_dagster.traces.day import DayState
from fi_dagster.traces.gc_pause import cyclic_gc_paused
from fi_dagster.traces.quarantine import Quarantine
from fi_dagster.traces.spans_parquet import SpanSpool
from fi_dagster.traces.trace_file import read_trace_file

# One observation per kept row: trace_id, is_root, start_ns, name, own values, resource values.
Observation = tuple[str, bool, int, str, tuple, tuple]


@dataclass(frozen=True)
class PartTask:
    """What a worker needs to read one file: the store re-opened from its URI, and the day's
    settings (all picklable)."""

    store_uri: str
    endpoint_url: str | None
    key: str
    number: int
    folder: Path
    partition_date: str
    config: IngestConfig
    mapping: CohortMapping


@dataclass
class FilePart:
    """One file's contribution: kept rows spooled to ``spool``, the rest as recorded."""

    key: str
    spool: Path
    quarantine: Path
    quarantined: int
    counts: dict[str, ConventionCounts]
    files: list[tuple[FileCounts, str]]  # the add_file calls the reader made
    sighted: list[bytes]  # first sightings (within the file), in order
    observed: list[int]  # per kept row: its index in ``sighted``
    observations: list[Observation]
    odd_values: dict[int, tuple[int, int]] = field(default_factory=dict)  # row → (wrong, over)


class _Recorder(CohortResolver):
    """Records each kept row's first sighting and cohort observation (own values computed
    eagerly) instead of resolving cohorts."""

    def __init__(self, mapping: CohortMapping) -> None:
        super().__init__(mapping)
        self.sighted: list[bytes] = []
        self.observed: list[int] = []
        self.observations: list[Observation] = []
        self.odd_values: dict[int, tuple[int, int]] = {}

    def observe(self, trace_id, is_root, start_ns, name, attrs, resource_values, own=None):  # noqa: ANN001
        # a kept row is observed right after its own first sighting
        self.observed.append(len(self.sighted) - 1)
        own = own or self.values(attrs)
        self.observations.append((trace_id, is_root, start_ns, name, own, resource_values))


class _FileCountsKept(IngestCounts):
    """Keeps file-level counts aside: their convention depends on which spans the day keeps."""

    def __init__(self) -> None:
        super().__init__()
        self.files: list[tuple[FileCounts, str]] = []

    def add_file(self, file: FileCounts, default_convention: str = cv.UNKNOWN) -> None:
        self.files.append((file, default_convention))


@dataclass
class _PartDay(DayState):
    recorder: _Recorder | None = None

    def first_sighting(self, key: bytes) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        self.recorder.sighted.append(key)  # type: ignore[union-attr]
        return True

    def odd_values_kept(self, wrong_type: int, oversized: int) -> None:
        recorder = self.recorder
        recorder.odd_values[len(recorder.observations)] = (wrong_type, oversized)  # type: ignore[union-attr]


def read_part(task: PartTask) -> FilePart:
    """Read one file of the day on its own (run in a worker process)."""
    name = f"part-{task.number:05d}"
    recorder, counts = _Recorder(task.mapping), _FileCountsKept()
    day = _PartDay(
        task.partition_date,
        task.config,
        recorder,
        SpanSpool(task.folder / f"{name}.arrow"),
        counts=counts,
        quarantine=Quarantine(task.folder / f"{name}.quarantine"),
        recorder=recorder,
    )
    with cyclic_gc_paused():
        try:
            read_trace_file(_store(task.store_uri, task.endpoint_url), task.key, day)
        finally:
            day.spool.close()
            day.quarantine.close()
    return FilePart(
        key=task.key,
        spool=day.spool.path,
        quarantine=task.folder / f"{name}.quarantine",
        quarantined=day.quarantine.count,
        counts=counts.by_convention,
        files=counts.files,
        sighted=recorder.sighted,
        observed=recorder.observed,
        observations=recorder.observations,
        odd_values=recorder.odd_values,
    )


@cache
def _store(uri: str, endpoint_url: str | None) -> Any:
    return open_store(uri, endpoint_url=endpoint_url)
