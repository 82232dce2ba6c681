"""Canonical spans on disk: columnar batches in, one Parquet file per partition out.

Rows stream into a local spool (Arrow IPC: written and read back at memory speed, no encoding)
in bounded batches while the day is read. Cohorts are only known once every span of a trace
has been seen, so a second pass copies the spool, batch by batch, into the partition's Parquet
file with the cohort and partition columns added. Neither pass holds more than one batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fi_dagster.traces.cohorts import UNKNOWN_COHORT, Cohort
from fi_dagster.traces.normalize import ROW_COLUMNS
from fi_dagster.traces.schema import COHORT_COLUMNS, SPAN_COLUMNS, SPAN_SCHEMA

ROW_SCHEMA = pa.schema([SPAN_SCHEMA.field(name) for name in ROW_COLUMNS])
OUTPUT_COMPRESSION = "zstd"
# Few distinct values: dictionary-encode these; the rest (ids, text, JSON) are plain.
DICTIONARY_COLUMNS = [
    "partition_date",
    "name",
    "span_kind",
    "status",
    "service_name",
    "model",
    "provider",
    "span_model",
    "convention",
    "source_file",
    "tenant",
    "route",
    "prompt_version",
]


def rows_table(rows: Sequence[tuple]) -> pa.Table:
    """Row tuples (``ROW_COLUMNS`` order) as one Arrow table; the transpose runs in C."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(ROW_COLUMNS)
    arrays = [pa.array(values, type=f.type) for values, f in zip(columns, ROW_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=ROW_SCHEMA)


SPOOL_BATCH_ROWS = 256  # rows leave Python while still in the CPU cache: 2-3x cheaper
SPOOL_WRITE_ROWS = 8192  # small batches are joined before they are written: read back faster


class SpanSpool:
    """Pass one: rows leave Python in small batches, and reach a local Arrow IPC file in
    larger ones (fewer, larger IPC messages are cheaper to write and to read back)."""

    def __init__(self, path: Path, batch_rows: int = SPOOL_BATCH_ROWS) -> None:
        self.path, self.batch_rows = path, batch_rows
        self.rows: list[tuple] = []
        self.batches: list[pa.Table] = []
        self.batched = 0  # rows in ``batches``
        self.written = 0
        self._sink = pa.OSFile(str(path), "wb")
        self._writer = pa.ipc.new_file(self._sink, ROW_SCHEMA)

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_rows:
            self._batch()

    def add_table(self, table: pa.Table) -> None:
        """Rows already columnar (canonical Parquet input), conformed to ``ROW_SCHEMA``."""
        self.flush()
        self._writer.write_table(table)
        self.written += table.num_rows

    def _batch(self) -> None:
        self.batches.append(rows_table(self.rows))
        self.batched += len(self.rows)
        self.rows = []
        if self.batched >= SPOOL_WRITE_ROWS:
            self._write_batches()

    def _write_batches(self) -> None:
        if self.batches:
            self._writer.write_table(pa.concat_tables(self.batches).combine_chunks())
            self.written += self.batched
            self.batches, self.batched = [], 0

    def flush(self) -> None:
        """Write every row added so far."""
        if self.rows:
            self._batch()
        self._write_batches()

    def close(self) -> None:
        if self._sink.closed:
            return
        self.flush()
        self._writer.close()
        self._sink.close()


Spool = tuple[Path, Sequence[bool] | None]  # an Arrow IPC spool, and which rows to keep


def write_partition(
    spools: Sequence[Spool], out: Path, partition_date: str, cohorts: dict[str, Cohort], chunk: int
) -> int:
    """Pass two: the spools' kept rows plus partition date and cohorts, in schema order, in row
    groups of about ``chunk`` rows; returns the rows written."""
    written = 0
    lookup = _CohortLookup(cohorts)
    with pq.ParquetWriter(
        out, SPAN_SCHEMA, compression=OUTPUT_COMPRESSION, use_dictionary=DICTIONARY_COLUMNS
    ) as writer:
        pending: list[pa.RecordBatch] = []
        rows = 0  # in ``pending``
        for batch in _kept_batches(spools):
            pending.append(batch)
            rows += batch.num_rows
            if rows >= chunk:
                written += _write(writer, pending, partition_date, lookup, chunk)
                pending, rows = [], 0
        if pending:
            written += _write(writer, pending, partition_date, lookup, chunk)
    return written


def _kept_batches(spools: Sequence[Spool]) -> Iterator[pa.RecordBatch]:
    for path, keep in spools:
        # not memory-mapped: mapped pages would count as RSS
        with pa.OSFile(str(path)) as source:
            reader = pa.ipc.open_file(source)
            offset = 0
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                if keep is not None:
                    mask = keep[offset : offset + batch.num_rows]
                    offset += batch.num_rows
                    batch = batch.filter(pa.array(mask, pa.bool_()))
                yield batch


def _write(writer: pq.ParquetWriter, batches: list, partition_date: str, lookup, chunk: int) -> int:
    table = pa.Table.from_batches(batches, schema=ROW_SCHEMA)
    writer.write_table(lookup.with_cohorts(table, partition_date), chunk)
    return table.num_rows


class _CohortLookup:
    """Adds each row's cohort columns by trace id, in Arrow (a hash join, not a Python loop)."""

    def __init__(self, cohorts: dict[str, Cohort]) -> None:
        self.trace_ids = pa.array(list(cohorts), pa.string())
        found = list(cohorts.values())
        self.columns = [
            pa.array([c[i] for c in found], pa.string()) for i in range(len(COHORT_COLUMNS))
        ]

    def with_cohorts(self, table: pa.Table, partition_date: str) -> pa.Table:
        at = pc.index_in(table.column("trace_id"), value_set=self.trace_ids)
        columns: dict[str, Any] = dict(zip(table.schema.names, table.columns, strict=True))
        columns["partition_date"] = pa.array([partition_date] * table.num_rows, pa.string())
        for name, values in zip(COHORT_COLUMNS, self.columns, strict=True):
            columns[name] = pc.fill_null(values.take(at), UNKNOWN_COHORT)
        return pa.Table.from_arrays([columns[name] for name in SPAN_COLUMNS], schema=SPAN_SCHEMA)


def _nullable_ints(dtype: pa.DataType) -> Any:
    return pd.Int64Dtype() if dtype == pa.int64() else None


def read_spans(
    source: Any,
    columns: Sequence[str] | None = None,
    trace_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A canonical spans Parquet file (path or file object) as a DataFrame.

    ``columns`` limits what is read (a column the file predates comes back all null);
    ``trace_ids`` keeps only those traces' spans, filtered while reading so memory follows the
    selection, not the day. Token counts are nullable integers.
    """
    wanted = list(columns) if columns is not None else None
    present = set(pq.read_schema(source).names)
    if hasattr(source, "seek"):
        source.seek(0)
    selected = [c for c in wanted if c in present] if wanted else None
    if trace_ids is None:
        table = pq.read_table(source, columns=selected)
    else:
        table = _read_traces(source, selected, trace_ids)
    frame = table.to_pandas(types_mapper=_nullable_ints)
    for name in wanted or ():
        if name not in frame:
            frame[name] = pd.Series([None] * len(frame), dtype=_dtype_of(name), index=frame.index)
    return frame[wanted] if wanted else frame


def _read_traces(source: Any, columns: list[str] | None, trace_ids: Sequence[str]) -> pa.Table:
    """Only the spans of ``trace_ids``, batch by batch: peak memory is one batch plus the
    selection, not the day's columns (ids are random, so row-group statistics prune nothing)."""
    reader = pq.ParquetFile(source)
    read = None if columns is None else list(dict.fromkeys([*columns, "trace_id"]))
    wanted = pa.array(list(trace_ids), type=pa.string())
    kept = [
        pa.Table.from_batches([batch]).filter(pc.is_in(batch.column("trace_id"), value_set=wanted))
        for batch in reader.iter_batches(batch_size=32_768, columns=read)
    ]
    table = pa.concat_tables(kept) if kept else reader.schema_arrow.empty_table()
    return table.select(columns) if columns is not None else table


def _dtype_of(name: str) -> Any:
    arrow_type = SPAN_SCHEMA.field(name).type if name in SPAN_SCHEMA.names else pa.string()
    return _nullable_ints(arrow_type) or arrow_type.to_pandas_dtype()


def empty_spans(columns: Sequence[str] | None = None) -> pd.DataFrame:
    frame = SPAN_SCHEMA.empty_table().to_pandas(types_mapper=_nullable_ints)
    return frame[list(columns)] if columns is not None else frame
