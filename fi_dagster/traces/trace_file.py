"""Read one trace file, whatever its format, into a day; a file that cannot be read stops the
run with its name (a corrupt archive must not pass for an empty file)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import zstandard

from fi_dagster.traces.day import DayState
from fi_dagster.traces.files import file_format
from fi_dagster.traces.framing import export_requests
from fi_dagster.traces.otlp_reader import OtlpReader
from fi_dagster.traces.parquet_input import read_parquet_spans


class UnreadableFile(OSError):
    """A trace file that could not be read at all; the run must not pretend it is empty."""


_UNREADABLE = (OSError, EOFError, zstandard.ZstdError, pa.ArrowException)


def read_trace_file(store: Any, key: str, day: DayState) -> None:
    """Add the spans of ``key`` in ``store`` to ``day``."""
    try:
        with store.open(key) as raw:
            if file_format(key) == "parquet":
                read_parquet_spans(raw, key, day)
            else:
                OtlpReader(day).read(export_requests(key, raw), key)
    except _UNREADABLE as exc:
        raise UnreadableFile(f"cannot read trace file {store.uri(key)}: {exc}") from exc
