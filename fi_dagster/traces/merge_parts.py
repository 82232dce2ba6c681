"""Merge files read apart (``file_part``) into the day, in key order, as one pass would have.

A kept row whose key an earlier file already holds becomes a duplicate after all: it is
dropped, and its counts move from ``spans`` (and the odd values it brought) to
``duplicate_spans``. Cohort observations of the rows that stay are replayed in order, so
ties resolve as they do in one pass.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa

from fi_dagster.traces.counts import COUNT_COLUMNS
from fi_dagster.traces.day import DayState
from fi_dagster.traces.file_part import FilePart


def merge_part(part: FilePart, day: DayState) -> None:
    """Add one file's share to ``day``: its counts and quarantine, and its spool (rows are not
    copied: the day's Parquet is written from every spool, duplicates filtered out)."""
    for convention, counts in part.counts.items():
        total = day.counts[convention]
        for name in COUNT_COLUMNS:
            setattr(total, name, getattr(total, name) + getattr(counts, name))
    day.quarantine.extend(part.quarantine, part.quarantined)
    first = [day.first_sighting(key) for key in part.sighted]
    keep = [first[i] for i in part.observed]
    every_row = all(keep)
    day.part_spools.append((part.spool, None if every_row else keep))
    # Rows' conventions are needed only for rows dropped now (the file's own counts stand
    # when none is): read then, and only that column.
    conventions = [] if every_row else _conventions(part.spool)
    observe = day.resolver.observe
    for i, (kept, observation) in enumerate(zip(keep, part.observations, strict=True)):
        if kept:
            trace_id, is_root, start_ns, name, own, resource_values = observation
            observe(trace_id, is_root, start_ns, name, {}, resource_values, own)
        else:
            _now_a_duplicate(day, conventions[i], part.odd_values.get(i, (0, 0)))
    for file, default_convention in part.files:
        if file.spans_by_convention is not None and not every_row:
            kept = (c for c, k in zip(conventions, keep, strict=True) if k)
            file.spans_by_convention = Counter(kept)
        day.counts.add_file(file, default_convention)
    part.quarantine.unlink()


def _conventions(spool: Path) -> list[str]:
    """Every row's convention (memory-mapped: only that column's pages are read)."""
    with pa.memory_map(str(spool)) as source:
        reader = pa.ipc.open_file(source)
        return [
            convention
            for i in range(reader.num_record_batches)
            for convention in reader.get_batch(i).column("convention").to_pylist()
        ]


def _now_a_duplicate(day: DayState, convention: str, odd: tuple[int, int]) -> None:
    counts = day.counts[convention]
    counts.spans -= 1
    counts.duplicate_spans += 1
    counts.wrong_type_values -= odd[0]
    counts.oversized_attributes -= odd[1]
