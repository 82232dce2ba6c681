"""Files framed as the OpenTelemetry Collector's file exporter writes them, whatever their name.

The exporter with ``compression: zstd`` writes, per export request, a 4-byte big-endian length
and one zstd frame of the request's JSON (``exportMessageAsBuffer`` and ``EncodeAll`` in
opentelemetry-collector-contrib/exporter/fileexporter). With native compression it writes one
zstd stream of JSON lines instead. Its ``path`` (say ``traces.json``) need not say either.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
import zstandard
from otlp_lines import Day, line, quarantined, span

from fi_dagster.storage import open_store
from fi_dagster.traces.ingest import ingest_partition
from fi_dagster.traces.spans_parquet import read_spans
from fi_dagster.traces.trace_file import UnreadableFile

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "instrumentations" / "openinference"
KEY_COLUMNS = ["trace_id", "span_id"]


def collector_records(lines: list[bytes]) -> bytes:
    """What the Collector file exporter writes for these requests with ``compression: zstd``."""
    out = bytearray()
    for request in lines:
        frame = zstandard.ZstdCompressor().compress(request.rstrip(b"\n"))  # no newline
        out += len(frame).to_bytes(4, "big") + frame
    return bytes(out)


def fixture_lines() -> list[bytes]:
    return [x for x in FIXTURE.with_suffix(".jsonl").read_bytes().splitlines() if x.strip()]


def spans_of(tmp_path: Path, name: str, data: bytes):
    expected_day = json.loads(FIXTURE.with_suffix(".expected.json").read_text())["date"]
    day = Day(tmp_path / name.replace("/", "_"), day=expected_day)
    day.write(name, data)
    result, spans = day.ingest()
    return result, day, spans.drop(columns="source_file").sort_values(KEY_COLUMNS)


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("traces.json", collector_records),
        ("traces.jsonl.zst", collector_records),
        ("traces.json", lambda lines: zstandard.ZstdCompressor().compress(b"\n".join(lines))),
        ("traces.jsonl", lambda lines: gzip.compress(b"\n".join(lines) + b"\n")),
    ],
    ids=["zstd-records", "zstd-records-named-zst", "zstd-stream-named-json", "gzip-named-jsonl"],
)
def test_compressed_framings_read_like_the_plain_file(tmp_path, name, encode):
    lines = fixture_lines()
    _, _, plain = spans_of(tmp_path, "plain.jsonl", b"\n".join(lines) + b"\n")
    result, day, framed = spans_of(tmp_path, name, encode(lines))
    assert len(framed) == len(plain) > 0
    assert framed.reset_index(drop=True).equals(plain.reset_index(drop=True))
    assert day.total(result, "lines") == len(lines)
    assert day.total(result, "bad_lines") == 0


def test_a_damaged_record_is_quarantined_and_the_rest_of_the_file_read(tmp_path):
    first, second, third = line(span(1, 1)), line(span(2, 2)), line(span(3, 3))
    damaged = bytearray(collector_records([second]))
    damaged[12:20] = b"\xff" * 8  # inside the frame: its header no longer decodes
    data = collector_records([first]) + bytes(damaged) + collector_records([third])
    day = Day(tmp_path)
    day.write("traces.json", data)
    result, spans = day.ingest()

    assert sorted(spans["trace_id"]) == [f"{1:032x}", f"{3:032x}"]
    assert day.total(result, "bad_lines") == 1
    [record] = quarantined(result)
    assert record["line"] == 2 and "not a zstd frame" in record["reason"]
    assert base64.b64decode(record["raw"]["base64"]) == bytes(damaged[4:])


def test_a_record_cut_short_at_the_end_is_quarantined(tmp_path):
    whole = collector_records([line(span(1, 1)), line(span(2, 2))])
    day = Day(tmp_path)
    day.write("traces.json", whole[:-10])  # the Collector stopped mid-write
    result, spans = day.ingest()

    assert list(spans["trace_id"]) == [f"{1:032x}"]
    [record] = quarantined(result)
    assert record["line"] == 2 and record["reason"].startswith("truncated record")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("traces.json", b"\x00\x00\x01\x00\x0a\xfd\x01\x0a\x0b", "OTLP protobuf"),
        ("traces.jsonl.gz", line(span(1, 1)), "named .gz but does not start like gzip"),
        ("traces.json.zst", gzip.compress(line(span(1, 1))), "named .zst"),
    ],
    ids=["protobuf", "plain-named-gz", "gzip-named-zst"],
)
def test_bytes_that_are_not_otlp_json_stop_the_run_naming_the_file(tmp_path, name, data, message):
    day = Day(tmp_path)
    day.write(name, data)
    with pytest.raises(UnreadableFile) as failure:
        day.ingest()
    assert name in str(failure.value) and message in str(failure.value)


def test_framings_are_told_apart_on_s3_bodies(tmp_path, s3_endpoint, s3_bucket):
    """The same sniffing on boto3's streaming bodies (moto on 127.0.0.1), where reads can be
    short and nothing can seek back."""
    day = Day(tmp_path)
    store = open_store(f"s3://{s3_bucket}/traces", endpoint_url=s3_endpoint)
    store.write_bytes(f"dt={day.day}/a.json", collector_records([line(span(1, 1))]))
    store.write_bytes(f"dt={day.day}/b.jsonl", gzip.compress(line(span(2, 2))))
    store.write_bytes(f"dt={day.day}/c.json", zstandard.ZstdCompressor().compress(line(span(3, 3))))
    out = tmp_path / "spans.parquet"
    result = ingest_partition(
        store, day.day, day.mapping, day.quarantine_store, out, day.config, None
    )
    spans = read_spans(out)
    assert sorted(spans["trace_id"]) == [f"{n:032x}" for n in (1, 2, 3)]
    assert day.total(result, "bad_lines") == 0
