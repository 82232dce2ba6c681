"""Read one day of trace files into canonical spans, counting and quarantining bad input.

Nothing is silently dropped: a malformed line or span goes to the quarantine object with its
file, line number and reason, and is counted in ``fi_ingest_daily``. A file that cannot be
read at all (corrupt archive, unreadable Parquet) stops the run with its name.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
import pandas as pd
import pyarrow.parquet as pq

from fi_dagster.config import CohortMapping
from fi_dagster.traces import conventions as cv
from fi_dagster.traces.cohorts import resolve_cohorts, resource_candidates, span_candidates
from fi_dagster.traces.files import decompressed, file_format, numbered_lines, partition_prefix
from fi_dagster.traces.normalize import normalize_span
from fi_dagster.traces.otlp import MalformedLine, decode_request
from fi_dagster.traces.schema import COHORT_COLUMNS, SPAN_COLUMNS, SPAN_SCHEMA

INGEST_COLUMNS = (
    "convention",
    "files",
    "lines",
    "spans",
    "bad_lines",
    "bad_spans",
    "duplicate_spans",
    "quarantine_uri",
)


class PartitionNotFound(FileNotFoundError):
    """The partition folder does not exist in the trace store."""


class UnreadableFile(OSError):
    """A trace file that could not be read at all; the run must not pretend it is empty."""


class ReadableStore(Protocol):
    def list(self, prefix: str = "") -> list[Any]: ...
    def exists(self, prefix: str) -> bool: ...
    def open(self, key: str) -> Any: ...
    def uri(self, key: str) -> str: ...


class WritableStore(Protocol):
    def write_bytes(self, key: str, data: bytes) -> str: ...


@dataclass
class _FileCounts:
    convention: str = cv.UNKNOWN
    lines: int = 0
    spans: int = 0
    bad_lines: int = 0
    bad_spans: int = 0
    duplicate_spans: int = 0


@dataclass
class IngestResult:
    """The day's canonical spans and the counts that account for every input line."""

    spans: pd.DataFrame
    stats: pd.DataFrame
    files: list[str]
    quarantine_uri: str | None
    quarantined: int = 0
    notes: list[str] = field(default_factory=list)


class _Quarantine:
    def __init__(self) -> None:
        self.records: list[bytes] = []

    def add(self, source: str, line: int, reason: str, raw: Any) -> None:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="replace")
        record = {"file": source, "line": line, "reason": reason, "raw": raw}
        self.records.append(orjson.dumps(record, default=str))


def ingest_partition(
    store: ReadableStore,
    partition_date: str,
    mapping: CohortMapping,
    quarantine_store: WritableStore,
) -> IngestResult:
    """Normalize every trace file under ``dt=<partition_date>/`` of ``store``."""
    prefix = partition_prefix(partition_date)
    objects = store.list(prefix)
    if not objects and not store.exists(prefix):
        raise PartitionNotFound(
            f"no partition folder {store.uri(prefix)} (expected trace files under it; "
            "check FI_TRACES_URI and that the collector wrote this day)"
        )
    quarantine = _Quarantine()
    frames: list[pd.DataFrame] = []
    per_file: dict[str, _FileCounts] = {}
    for obj in objects:
        kind = file_format(obj.key)
        if kind is None:
            continue
        frame, counts = _read_file(store, obj.key, kind, partition_date, mapping, quarantine)
        per_file[obj.key] = counts
        frames.append(frame)
    spans = _combine(frames, per_file)
    quarantine_uri = None
    if quarantine.records:
        quarantine_uri = quarantine_store.write_bytes(
            f"{prefix}quarantine.jsonl", b"\n".join(quarantine.records) + b"\n"
        )
    return IngestResult(
        spans=spans,
        stats=_stats(per_file, quarantine_uri),
        files=[store.uri(k) for k in per_file],
        quarantine_uri=quarantine_uri,
        quarantined=len(quarantine.records),
    )


def _read_file(store, key, kind, partition_date, mapping, quarantine):
    try:
        with store.open(key) as raw:
            if kind == "parquet":
                return _read_parquet(raw.read(), key, partition_date)
            return _read_otlp(decompressed(key, raw), key, partition_date, mapping, quarantine)
    except (OSError, EOFError, ValueError) as exc:
        if isinstance(exc, MalformedLine):
            raise
        raise UnreadableFile(f"cannot read trace file {store.uri(key)}: {exc}") from exc


def _read_otlp(stream, key, partition_date, mapping, quarantine):
    counts = _FileCounts()
    rows: list[dict[str, Any]] = []
    conventions: Counter[str] = Counter()
    resources: dict[int, tuple[dict, dict]] = {}  # id(resource) -> (resource, its candidates)
    for number, line in numbered_lines(stream):
        counts.lines += 1
        try:
            request = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            counts.bad_lines += 1
            quarantine.add(key, number, f"not JSON: {exc}", line)
            continue

        def bad_span(span: Any, reason: str, _n: int = number) -> None:
            counts.bad_spans += 1
            quarantine.add(key, _n, f"bad span: {reason}", span)

        try:
            for raw in decode_request(request, bad_span):
                if raw.end_ns < raw.start_ns:
                    bad_span({"traceId": raw.trace_id, "spanId": raw.span_id}, "ends before start")
                    continue
                row = normalize_span(raw, partition_date, key)
                row.update(span_candidates(raw.attributes, mapping))
                cached = resources.get(id(raw.resource))
                if cached is None or cached[0] is not raw.resource:
                    cached = (raw.resource, resource_candidates(raw.resource, mapping))
                    resources[id(raw.resource)] = cached
                row.update(cached[1])
                conventions[row["convention"]] += 1
                rows.append(row)
        except MalformedLine as exc:
            counts.bad_lines += 1
            quarantine.add(key, number, str(exc), line)
    counts.spans = len(rows)
    if conventions:
        counts.convention = conventions.most_common(1)[0][0]
    return pd.DataFrame.from_records(rows), counts


def _read_parquet(data: bytes, key: str, partition_date: str):
    table = pq.read_table(io.BytesIO(data))
    frame = table.to_pandas()
    missing = [c for c in SPAN_COLUMNS if c not in frame]
    for column in missing:
        frame[column] = None
    frame["partition_date"] = partition_date
    frame["source_file"] = key
    frame["convention"] = frame["convention"].fillna("parquet")
    for dim in COHORT_COLUMNS:
        frame["_cohort_span_" + dim] = frame[dim]
        frame["_cohort_resource_" + dim] = None
    counts = _FileCounts(convention="parquet", lines=len(frame), spans=len(frame))
    return frame, counts


def _combine(frames: list[pd.DataFrame], per_file: dict[str, _FileCounts]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_spans()
    spans = pd.concat(frames, ignore_index=True)
    duplicated = spans.duplicated(["trace_id", "span_id"], keep="first")
    for key, n in spans.loc[duplicated, "source_file"].value_counts().items():
        per_file[key].duplicate_spans += int(n)
    spans = resolve_cohorts(spans[~duplicated])
    return _conform(spans)


def _conform(spans: pd.DataFrame) -> pd.DataFrame:
    """Column order and dtypes of the canonical schema."""
    spans = spans.reindex(columns=list(SPAN_COLUMNS)).reset_index(drop=True)
    for column in ("start_time", "end_time"):
        spans[column] = pd.to_datetime(spans[column], utc=True)
    for column in ("prompt_tokens", "completion_tokens", "total_tokens"):
        spans[column] = spans[column].astype("Int64")
    spans["latency_ms"] = spans["latency_ms"].astype("float64")
    spans["tokens_estimated"] = spans["tokens_estimated"].fillna(False).astype(bool)
    return spans


def empty_spans() -> pd.DataFrame:
    return SPAN_SCHEMA.empty_table().to_pandas()


def _stats(per_file: dict[str, _FileCounts], quarantine_uri: str | None) -> pd.DataFrame:
    by_convention: dict[str, dict[str, Any]] = {}
    for counts in per_file.values():
        row = by_convention.setdefault(
            counts.convention,
            {c: 0 for c in INGEST_COLUMNS if c not in ("convention", "quarantine_uri")},
        )
        row["files"] += 1
        for name in ("lines", "spans", "bad_lines", "bad_spans", "duplicate_spans"):
            row[name] += getattr(counts, name)
    for convention, row in by_convention.items():
        row["spans"] -= row["duplicate_spans"]
        row["convention"] = convention
        row["quarantine_uri"] = quarantine_uri
    return pd.DataFrame(list(by_convention.values()), columns=list(INGEST_COLUMNS))
