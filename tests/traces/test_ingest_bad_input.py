"""Bad input is counted in fi_ingest_daily, quarantined where it is rejected, and the rest of
the day is still processed; only a file that cannot be read at all stops the run."""

from __future__ import annotations

import gzip
import sys

import pandas as pd
import pytest
from otlp_lines import DAY, line, quarantined, span

from fi_dagster.config import IngestConfig
from fi_dagster.traces.counts import COUNT_COLUMNS
from fi_dagster.traces.ingest import PartitionNotFound, UnreadableFile

GOOD = line(span(1, 1, name="root", **{"openinference.span.kind": "CHAIN"}))


def test_malformed_lines_are_quarantined_with_file_and_line(day):
    key = day.write("a.jsonl", GOOD + b"{not json\n" + b'{"resourceSpans": 7}\n' + GOOD)
    result, spans = day.ingest()
    assert day.total(result, "bad_lines") == 2
    assert day.total(result, "lines") == 4
    assert len(spans) == 1  # the same span twice: the second is a duplicate
    assert day.total(result, "duplicate_spans") == 1
    records = quarantined(result)
    assert [(r["file"], r["line"]) for r in records] == [(key, 2), (key, 3)]
    assert records[0]["raw"] == "{not json" and "not JSON" in records[0]["reason"]
    assert "resourceSpans" in records[1]["reason"]


def test_a_bad_span_is_rejected_and_the_rest_of_its_line_kept(day):
    broken = span(2, 2)
    broken["spanId"] = "xyz"
    zero = span(3, 3)
    zero["traceId"] = "0" * 32
    no_time = span(4, 4)
    del no_time["endTimeUnixNano"]
    day.write("a.jsonl", line(span(1, 1), broken, zero, no_time))
    result, spans = day.ingest()
    assert list(spans["span_id"]) == [f"{1:016x}"]
    assert day.total(result, "bad_spans") == 3
    reasons = [r["reason"] for r in quarantined(result)]
    assert any("spanId" in r for r in reasons) and any("zeros" in r for r in reasons)
    assert any("endTimeUnixNano" in r for r in reasons)


def test_span_ending_before_it_starts_is_rejected_and_counted(day):
    inverted = span(1, 2, start_ms=50)
    inverted["endTimeUnixNano"] = str(int(inverted["startTimeUnixNano"]) - 1)
    day.write("a.jsonl", line(span(1, 1), inverted))
    result, spans = day.ingest()
    assert len(spans) == 1 and (spans["latency_ms"] >= 0).all()
    assert day.total(result, "ends_before_start") == 1
    assert day.total(result, "bad_spans") == 1
    [record] = quarantined(result)
    assert "ends before it starts" in record["reason"]
    assert record["raw"]["spanId"] == f"{2:016x}"


def test_duplicate_span_across_files_is_kept_once_first_file_wins(day):
    day.write("hour=01/a.jsonl", line(span(1, 1, name="first")))
    day.write("hour=02/b.jsonl", line(span(1, 1, name="second"), span(1, 2, parent=1)))
    result, spans = day.ingest()
    assert sorted(spans["span_id"]) == [f"{1:016x}", f"{2:016x}"]
    assert spans.loc[spans["span_id"] == f"{1:016x}", "name"].item() == "first"
    assert day.total(result, "duplicate_spans") == 1
    assert day.total(result, "files") == 2


def test_wrong_typed_values_are_coerced_when_lossless_else_kept_raw(day):
    typed = span(
        1,
        1,
        **{
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o-mini",
            "llm.token_count.prompt": "17",  # a number sent as a string: coerced
            "llm.token_count.completion": "lots",  # not a number: dropped, kept raw
            "user.id": 42,  # an int where text belongs: stringified
        },
    )
    typed["attributes"].append({"key": "odd", "value": {"intValue": "abc"}})
    typed["attributes"].append({"key": "no value"})
    day.write("a.jsonl", line(typed))
    result, spans = day.ingest()
    row = spans.iloc[0]
    assert row["prompt_tokens"] == 17 and row["user_id"] == "42"
    assert pd.isna(row["completion_tokens"]) and not row["tokens_estimated"]  # nothing to count
    assert '"llm.token_count.completion":"lots"' in row["attributes"]
    assert '"odd":"abc"' in row["attributes"]
    assert day.total(result, "wrong_type_values") == 4  # "17", "lots", 42, "abc"
    assert day.total(result, "bad_spans") == 0


def test_oversized_attribute_is_truncated_and_counted(day):
    day.config = IngestConfig(max_attribute_chars=100)
    huge = "x" * 5000
    day.write("a.jsonl", line(span(1, 1, **{"input.value": huge, "note": huge})))
    result, spans = day.ingest()
    row = spans.iloc[0]
    assert row["input_text"].startswith("x" * 100) and len(row["input_text"]) < 200
    assert "truncated 4900 chars" in row["input_text"]
    assert day.total(result, "oversized_attributes") == 2


def test_non_utf8_bytes_are_replaced_and_the_line_kept(day):
    latin1 = line(span(1, 1, **{"input.value": "MARK"})).replace(b"MARK", b"caf\xe9")
    day.write("a.jsonl", latin1 + line(span(2, 2)))
    result, spans = day.ingest()
    assert day.total(result, "invalid_utf8_lines") == 1
    assert day.total(result, "bad_lines") == 0
    assert "caf\ufffd" in set(spans["input_text"].dropna())
    assert len(spans) == 2


def test_every_span_read_is_kept_duplicate_or_rejected(day):
    inverted = span(5, 5)
    inverted["endTimeUnixNano"] = "1"
    day.write("a.jsonl", line(span(1, 1), span(1, 2), inverted) + b"junk\n")
    day.write("b.jsonl", line(span(1, 2), span(2, 3)))
    result, spans = day.ingest()
    read = 5
    kept = day.total(result, "spans")
    assert kept == len(spans) == 3
    assert kept + day.total(result, "duplicate_spans") + day.total(result, "bad_spans") == read
    assert result.quarantined == day.total(result, "bad_lines") + day.total(result, "bad_spans")
    assert set(COUNT_COLUMNS) <= set(result.stats.columns)


def test_corrupt_archive_fails_the_run_naming_the_file(day):
    day.write("good.jsonl", GOOD)
    day.write("broken.jsonl.gz", gzip.compress(GOOD * 50)[:-30])
    with pytest.raises(UnreadableFile, match=r"broken\.jsonl\.gz"):
        day.ingest()


def test_unreadable_parquet_fails_the_run_naming_the_file(day):
    day.write("spans.parquet", b"PAR1 this is not parquet")
    with pytest.raises(UnreadableFile, match=r"spans\.parquet"):
        day.ingest()


def test_missing_partition_folder_fails_with_its_uri(day):
    day.store.write_bytes("dt=2024-05-31/a.jsonl", GOOD)
    with pytest.raises(PartitionNotFound, match=f"no partition folder .*dt={DAY}"):
        day.ingest()


def test_empty_partition_gives_an_empty_spans_file(day):
    day.write("README.txt", b"nothing today\n")
    day.write("hour=00/empty.jsonl", b"")
    result, spans = day.ingest()
    assert spans.empty and result.spans == 0 and result.quarantine_uri is None
    assert day.total(result, "files") == 1 and day.total(result, "spans") == 0
    assert "trace_id" in spans.columns


def test_a_clean_rerun_removes_the_old_quarantine(day):
    key = day.write("a.jsonl", GOOD + b"junk\n")
    first, _ = day.ingest()
    assert first.quarantine_uri is not None
    day.store.write_bytes(key, GOOD)
    second, _ = day.ingest()
    assert second.quarantine_uri is None
    assert not day.quarantine_store.exists(f"dt={DAY}/quarantine.jsonl")


def test_values_beyond_64_bits_never_stop_the_day(day):
    huge = span(1, 1, **{"llm.token_count.prompt": 1.5e30, "big": 2**70})
    huge["attributes"].append({"key": "big text", "value": {"intValue": str(2**70)}})
    far = span(2, 2)
    far["endTimeUnixNano"] = str(2**64)
    day.write("a.jsonl", line(huge, far))
    result, spans = day.ingest()
    [row] = spans.to_dict("records")
    assert pd.isna(row["prompt_tokens"]) and str(2**70) in row["attributes"]
    assert day.total(result, "wrong_type_values") == 3  # the float count and both big ints
    [record] = quarantined(result)
    assert "out of range" in record["reason"]


def test_attributes_nested_too_deeply_reject_only_their_span(day):
    deep = '{"stringValue": "bottom"}'
    for _ in range(100):
        deep = '{"kvlistValue": {"values": [{"key": "k", "value": ' + deep + "}]}}"
    nested = span(2, 2, deep="PLACEHOLDER")
    raw = line(span(1, 1), nested).replace(b'{"stringValue": "PLACEHOLDER"}', deep.encode())
    day.write("a.jsonl", raw)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(250)  # decoding 100 levels needs ~400 frames
    try:
        result, spans = day.ingest()
    finally:
        sys.setrecursionlimit(limit)
    assert list(spans["span_id"]) == [f"{1:016x}"]
    [record] = quarantined(result)
    assert "nested too deeply" in record["reason"]


def test_odd_structure_costs_only_the_odd_part_of_its_line(day):
    """A line the typed decoder refuses is read span by span: what fits is kept, the rest is
    counted (or quarantined), never the whole line."""
    unknown_shape = span(2, 2, **{"openinference.span.kind": "LLM"})
    unknown_shape["attributes"].append({"key": "odd", "value": {"fooValue": [1, 2]}})
    unknown_shape["attributes"].append(["not", "a", "key-value"])
    no_list = span(3, 3)
    no_list["attributes"] = {"llm.model_name": "gpt-4o"}
    raw = line(span(1, 1), unknown_shape, no_list)
    not_an_object = raw.replace(b'"spans": [', b'"spans": [42, ', 1)
    day.write("a.jsonl", not_an_object)
    result, spans = day.ingest()
    assert sorted(spans["span_id"]) == [f"{n:016x}" for n in (1, 2, 3)]
    assert day.total(result, "bad_lines") == 0
    assert day.total(result, "bad_spans") == 1
    [record] = quarantined(result)
    assert "not an object" in record["reason"] and record["raw"] == 42
    odd = spans.loc[spans["span_id"] == f"{2:016x}"].iloc[0]
    assert '"odd":"{\\"fooValue\\":[1,2]}"' in odd["attributes"]  # kept, as JSON text
    assert odd["span_kind"] == "LLM"
    # the unknown value shape, the list entry, and the attribute map that is not a list
    assert day.total(result, "wrong_type_values") == 3


def test_a_line_that_is_not_otlp_names_the_json_path_at_fault(day):
    day.write("a.jsonl", b'{"resourceSpans": [{"scopeSpans": [{"spans": 7}]}]}\n' + GOOD)
    result, spans = day.ingest()
    assert len(spans) == 1 and day.total(result, "bad_lines") == 1
    [record] = quarantined(result)
    assert "$.resourceSpans[0].scopeSpans[0].spans" in record["reason"]
