"""The file shapes a partition may hold: OTLP JSON Lines plain, gzip or zstd, and span Parquet."""

from __future__ import annotations

import base64
import gzip
import io

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from otlp_lines import line, span

from fi_dagster.config import IngestConfig
from fi_dagster.traces.spans_parquet import read_spans


def test_gzip_and_zstd_files_read_like_plain_ones(day):
    day.write("hour=00/a.jsonl.gz", gzip.compress(line(span(1, 1))))
    day.write("hour=01/b.json.zst", zstandard.ZstdCompressor().compress(line(span(2, 2))))
    day.write("hour=02/c.jsonl", line(span(3, 3)))
    day.write("hour=02/_SUCCESS", b"")
    result, spans = day.ingest()
    assert len(spans) == 3 and day.total(result, "files") == 3
    assert sorted(spans["source_file"]) == [
        f"dt={day.day}/hour=00/a.jsonl.gz",
        f"dt={day.day}/hour=01/b.json.zst",
        f"dt={day.day}/hour=02/c.jsonl",
    ]


def test_collector_encodings_of_ids_values_and_status(day):
    odd = span(1, 1, **{"tags": ["a", "b"], "nested": {"k": 1}, "ratio": 0.5, "ok": True})
    odd["traceId"] = base64.b64encode(bytes.fromhex(f"{255:032x}")).decode()  # protobuf JSON
    odd["spanId"] = odd["spanId"].upper()
    odd["status"] = {"code": "STATUS_CODE_ERROR", "message": "boom"}
    odd["attributes"].append({"key": "blob", "value": {"bytesValue": "AAE="}})
    odd["attributes"].append({"key": "nan", "value": {"doubleValue": "NaN"}})
    day.write("a.jsonl", line(odd))
    _, spans = day.ingest()
    row = spans.iloc[0]
    assert (row["trace_id"], row["span_id"]) == (f"{255:032x}", f"{1:016x}")
    assert (row["status"], row["status_message"]) == ("ERROR", "boom")
    attributes = row["attributes"]
    assert '"tags":["a","b"]' in attributes and '"nested":{"k":1}' in attributes
    assert '"blob":"0001"' in attributes and '"ok":true' in attributes


def test_exception_event_gives_the_status_message(day):
    failed = span(1, 1, status=2)
    failed["events"] = [
        {
            "name": "exception",
            "attributes": [{"key": "exception.message", "value": {"stringValue": "timeout"}}],
        }
    ]
    day.write("a.jsonl", line(failed))
    _, spans = day.ingest()
    assert spans.iloc[0]["status_message"] == "timeout"


def canonical_parquet(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    return buffer.getvalue()


def test_canonical_parquet_spans_are_read_conformed_and_checked(day):
    start = pa.scalar(1_717_236_000_000_000, pa.timestamp("us", tz="UTC")).as_py()
    good = {
        "trace_id": f"{7:032x}",
        "span_id": f"{7:016x}",
        "parent_span_id": None,
        "name": "imported",
        "span_kind": "LLM",
        "start_time": start,
        "end_time": start,
        "prompt_tokens": 5,
        "tenant": "from-file",
    }
    bad = {**good, "span_id": "not-hex"}
    day.write("spans.parquet", canonical_parquet([good, bad, good]))
    day.write("z.jsonl", line(span(7, 7)))  # the same span again, as OTLP (read later)
    result, spans = day.ingest()
    assert len(spans) == 1
    row = spans.iloc[0]
    assert (row["convention"], row["tenant"], row["prompt_tokens"]) == ("parquet", "from-file", 5)
    assert row["latency_ms"] == 0.0 and not row["tokens_estimated"]
    assert day.total(result, "bad_spans") == 1 and day.total(result, "duplicate_spans") == 2
    assert result.stats.set_index("convention").loc["parquet", "files"] == 1


def test_spans_leave_in_bounded_batches(day):
    day.config = IngestConfig(chunk_spans=100)
    day.write("a.jsonl", b"".join(line(*(span(t, s) for s in range(1, 6))) for t in range(1, 101)))
    result, spans = day.ingest()
    metadata = pq.ParquetFile(result.path).metadata
    assert result.spans == len(spans) == 500
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert sum(sizes) == 500 and max(sizes) == 100


def test_read_spans_selects_columns_and_fills_ones_the_file_predates(day, tmp_path):
    day.write("a.jsonl", line(span(1, 1, **{"llm.token_count.prompt": 3})))
    result, _ = day.ingest()
    picked = read_spans(result.path, ["span_id", "prompt_tokens"])
    assert list(picked.columns) == ["span_id", "prompt_tokens"]
    assert str(picked["prompt_tokens"].dtype) == "Int64" and picked["prompt_tokens"].item() == 3
    old = tmp_path / "old.parquet"
    pq.write_table(pq.read_table(result.path).drop(["reasoning_tokens"]), old)
    assert read_spans(old, ["reasoning_tokens"])["reasoning_tokens"].isna().all()
