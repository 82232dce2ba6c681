"""Read span files already in the canonical schema (``*.parquet``) into the day, in batches.

Columns the file lacks are filled with nulls, types are cast to the schema (a file that
cannot be cast is unreadable), and rows go through the same rules as OTLP spans: valid ids
and times or quarantine, first sighting wins. The file's own cohort columns are offered to
cohort resolution as span values.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fi_dagster.traces import conventions as cv
from fi_dagster.traces.counts import FileCounts
from fi_dagster.traces.day import DayState
from fi_dagster.traces.schema import COHORT_COLUMNS
from fi_dagster.traces.spans_parquet import ROW_SCHEMA

REQUIRED_COLUMNS = ("trace_id", "span_id", "start_time", "end_time")
_HEX = {"trace_id": r"^[0-9a-f]{32}$", "span_id": r"^[0-9a-f]{16}$"}
_NO_RESOURCE = (None,) * len(COHORT_COLUMNS)


def read_parquet_spans(raw: BinaryIO, key: str, day: DayState) -> None:
    """Add the spans of one canonical Parquet file to ``day``."""
    source = raw if _seekable(raw) else io.BytesIO(raw.read())
    parquet = pq.ParquetFile(source)
    missing = [c for c in REQUIRED_COLUMNS if c not in parquet.schema_arrow.names]
    if missing:
        raise pa.ArrowInvalid(f"not a canonical spans file: missing columns {missing}")
    file = FileCounts()
    for batch in parquet.iter_batches(batch_size=day.config.chunk_spans):
        file.lines += batch.num_rows
        table = _conform(pa.Table.from_batches([batch]), key)
        day.spool.add_table(_keep(table, batch, key, file.lines - batch.num_rows, day))
    day.counts.add_file(file, default_convention=cv.PARQUET)


def _seekable(raw: Any) -> bool:
    return bool(getattr(raw, "seekable", lambda: False)())


def _conform(table: pa.Table, key: str) -> pa.Table:
    columns = []
    for field in ROW_SCHEMA:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    out = pa.Table.from_arrays(columns, schema=ROW_SCHEMA)
    latency = pc.divide(
        pc.cast(pc.subtract(out["end_time"], out["start_time"]), pa.int64()), 1000.0
    )
    fills = {
        "convention": pc.fill_null(out["convention"], cv.PARQUET),
        "source_file": pa.array([key] * out.num_rows, pa.string()),
        "tokens_estimated": pc.fill_null(out["tokens_estimated"], False),
        "latency_ms": pc.coalesce(out["latency_ms"], latency),
    }
    for name, column in fills.items():
        out = out.set_column(out.schema.get_field_index(name), name, column)
    return out


def _valid_rows(table: pa.Table) -> pa.Array:
    checks = [pc.fill_null(pc.match_substring_regex(table[c], p), False) for c, p in _HEX.items()]
    checks.append(pc.fill_null(pc.greater_equal(table["end_time"], table["start_time"]), False))
    return pc.and_(pc.and_(checks[0], checks[1]), checks[2])


def _keep(table: pa.Table, batch: pa.RecordBatch, key: str, offset: int, day: DayState):
    """The rows of ``table`` to keep; the others are quarantined or counted as duplicates."""
    valid = _valid_rows(table).to_pylist()
    cols = {c: table[c].to_pylist() for c in ("trace_id", "span_id", "parent_span_id", "name")}
    conventions = table["convention"].to_pylist()
    starts = pc.cast(table["start_time"], pa.int64()).to_pylist()
    cohorts = list(zip(*(_cohort_column(batch, d) for d in COHORT_COLUMNS), strict=True))
    keep = []
    for i, ok in enumerate(valid):
        trace_id, span_id = cols["trace_id"][i], cols["span_id"][i]
        if not ok:
            row = batch.slice(i, 1).to_pylist()[0]
            day.reject(conventions[i], (key, offset + i + 1), "bad ids or times", row)
        elif not day.first_sighting(bytes.fromhex(trace_id + span_id)):
            day.counts[conventions[i]].duplicate_spans += 1
        else:
            keep.append(i)
            day.counts[conventions[i]].spans += 1
            is_root = cols["parent_span_id"][i] is None
            start_ns = starts[i] * 1000
            day.resolver.observe(
                trace_id, is_root, start_ns, cols["name"][i] or "", {}, _NO_RESOURCE, cohorts[i]
            )
    return table.take(pa.array(keep, pa.int64()))


def _cohort_column(batch: pa.RecordBatch, name: str) -> list[Any]:
    if name not in batch.schema.names:
        return [None] * batch.num_rows
    return [None if v in (None, "") else str(v) for v in batch.column(name).to_pylist()]
