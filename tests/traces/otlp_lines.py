"""Hand-built OTLP JSON lines, shaped like the Collector ``file`` exporter's, and a day to read.

Spans are described with plain Python attribute values; ``line()`` encodes them the way an
exporter does (``intValue`` as a string, hex ids, nanosecond timestamps as strings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from fi_dagster.config import CohortMapping, IngestConfig
from fi_dagster.storage import open_store
from fi_dagster.traces.ingest import IngestResult, ingest_partition
from fi_dagster.traces.spans_parquet import read_spans

DAY = "2024-06-01"
T0 = 1_717_236_000 * 10**9  # 2024-06-01T10:00:00Z in ns


def any_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": key_values(value)}}
    return {"stringValue": value}


def key_values(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": any_value(v)} for k, v in attributes.items()]


def span(
    trace: int,
    span_no: int,
    *,
    parent: int | None = None,
    name: str = "step",
    start_ms: float = 0.0,
    duration_ms: float = 10.0,
    status: int = 1,
    **attributes: Any,
) -> dict[str, Any]:
    """One OTLP span; ids are derived from the small numbers given."""
    start = T0 + int(start_ms * 1e6)
    out: dict[str, Any] = {
        "traceId": f"{trace:032x}",
        "spanId": f"{span_no:016x}",
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(start + int(duration_ms * 1e6)),
        "attributes": key_values(attributes),
        "status": {"code": status},
    }
    if parent is not None:
        out["parentSpanId"] = f"{parent:016x}"
    return out


def line(*spans: dict[str, Any], resource: dict[str, Any] | None = None) -> bytes:
    """One export request holding ``spans`` under one resource and scope."""
    request = {
        "resourceSpans": [
            {
                "resource": {"attributes": key_values(resource or {"service.name": "svc"})},
                "scopeSpans": [{"scope": {"name": "test"}, "spans": list(spans)}],
            }
        ]
    }
    return json.dumps(request).encode() + b"\n"


@dataclass
class Day:
    """A traces store with one partition, ingested on demand."""

    root: Path
    day: str = DAY
    config: IngestConfig = field(default_factory=IngestConfig)
    mapping: CohortMapping = field(default_factory=CohortMapping)

    @property
    def store(self):
        return open_store(str(self.root / "traces"))

    @property
    def quarantine_store(self):
        return open_store(str(self.root / "work" / "quarantine"))

    def write(self, name: str, data: bytes) -> str:
        """Put one file into the partition; returns its key."""
        key = f"dt={self.day}/{name}"
        self.store.write_bytes(key, data)
        return key

    def ingest(self, progress=None) -> tuple[IngestResult, pd.DataFrame]:  # noqa: ANN001
        out = self.root / "out" / "spans.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        result = ingest_partition(
            self.store, self.day, self.mapping, self.quarantine_store, out, self.config, progress
        )
        return result, read_spans(out)

    def total(self, result: IngestResult, column: str) -> int:
        return int(result.stats[column].sum())


def quarantined(result: IngestResult) -> list[dict[str, Any]]:
    assert result.quarantine_uri is not None
    path = Path(result.quarantine_uri.removeprefix("file://"))
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
