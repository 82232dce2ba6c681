"""Generate one day of realistic synthetic LLM traces as OTLP JSON Lines files.

Traces come from three routes (a tool-using support agent, RAG question answering and JSON
invoice extraction), skewed tenants, several models and prompt versions, heavy-tailed latencies
and a small rate of provider and tool errors. Ground-truth quality labels ride in the root
span's ``metadata`` so evaluators can be checked against them; ``Regression`` knobs degrade one
cohort. The same seed and date (or stream) always produce the same bytes.
"""

from __future__ import annotations

import datetime as dt
import gzip
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from fi_dagster.demo.cohorts import draw_cohort
from fi_dagster.demo.otlp_writer import jsonl_lines
from fi_dagster.demo.regression import Regression, effects_for
from fi_dagster.demo.scenarios import SCENARIOS
from fi_dagster.demo.spans import TraceBuilder, TraceRecord, new_id
from fi_dagster.demo.trace_context import TraceContext

HOUR_NS = 3600 * 10**9
DAY_NS = 24 * HOUR_NS
# Relative traffic per UTC hour: quiet at night, busiest when Europe and America overlap.
HOURLY_TRAFFIC = (2, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10, 10, 11, 12, 12, 11, 10, 8, 6, 5, 4, 3, 2)
_HOURS = range(24)
_FAILURE_LABELS = ("task_completed", "grounded", "json_valid", "answered")


class TraceStore(Protocol):
    """Where trace files go: keys are relative to the traces root; returns the URI written."""

    def write_bytes(self, key: str, data: bytes) -> str: ...


@dataclass
class GenerationSummary:
    """What ``generate_day`` wrote."""

    date: str
    traces: int
    spans: int
    files: list[str] = field(default_factory=list)
    lines: int = 0
    error_spans: int = 0
    failed_traces: int = 0  # traces whose ground-truth labels mark a quality failure
    regressed_traces: int = 0  # traces a regression knob touched


def generate_day(
    store: TraceStore,
    date: dt.date,
    n_traces: int,
    *,
    seed: int = 0,
    regressions: Sequence[Regression] = (),
    files: int = 4,
    compression: Literal["none", "gzip"] = "none",
    stream: str | None = None,
) -> GenerationSummary:
    """Write ``n_traces`` traces of ``date`` under ``dt=YYYY-MM-DD/hour=HH/`` in ``files`` files.

    Each file holds one contiguous slice of the day, stored under the hour its slice begins.
    ``stream`` names the random stream instead of the date, so the same traces (moved to
    ``date``) can be written for any calendar day: the demo looks the same whenever it runs.
    """
    if files < 1 or n_traces < 0:
        raise ValueError(f"need files >= 1 and n_traces >= 0, got {files=} {n_traces=}")
    if compression not in ("none", "gzip"):
        raise ValueError(f"compression must be 'none' or 'gzip', got {compression!r}")
    rng = random.Random(f"fi-dagster-demo|{seed}|{stream or date.isoformat()}")
    traces = [build_trace(rng, date, regressions) for _ in range(n_traces)]
    place_in_day(rng, traces, date)
    encoded = encode_files(traces, date, files, compression == "gzip")
    uris = [store.write_bytes(f.key, f.data) for f in encoded]
    return _summary(date, traces, uris, sum(f.lines for f in encoded))


def build_trace(
    rng: random.Random, day: dt.date, regressions: Sequence[Regression] = ()
) -> TraceRecord:
    """One trace of a randomly drawn cohort, on a clock starting at zero."""
    cohort = draw_cohort(rng, day.isoformat())
    scenario = SCENARIOS[cohort.route]
    builder = TraceBuilder(rng, cohort.route, scenario.root_kind, scenario.scope)
    ctx = TraceContext(rng, day, cohort, effects_for(cohort, regressions), builder)
    labels = scenario.build(ctx)
    return TraceRecord(new_id(rng, 128), scenario.service, cohort.tenant, builder.spans, labels)


def place_in_day(rng: random.Random, traces: list[TraceRecord], day: dt.date) -> None:
    """Give each trace a start following daily traffic, wholly inside the day; sort by it."""
    day_start = _day_start_ns(day)
    for trace in traces:
        hour = rng.choices(_HOURS, weights=HOURLY_TRAFFIC)[0]
        offset = hour * HOUR_NS + rng.randrange(HOUR_NS)
        trace.start_ns = day_start + min(offset, DAY_NS - 1 - trace.duration_ns)
    traces.sort(key=lambda t: t.start_ns)


@dataclass(frozen=True)
class EncodedFile:
    key: str
    data: bytes
    lines: int


def encode_files(
    traces: Sequence[TraceRecord], day: dt.date, files: int, gzipped: bool
) -> list[EncodedFile]:
    """One file per non-empty slice of the day; ``traces`` must be sorted by start."""
    day_start = _day_start_ns(day)
    slices: list[list[TraceRecord]] = [[] for _ in range(files)]
    for trace in traces:
        slices[(trace.start_ns - day_start) * files // DAY_NS].append(trace)
    out = []
    for i, chunk in enumerate(slices):
        if not chunk:
            continue
        hour = i * DAY_NS // files // HOUR_NS
        key = f"dt={day.isoformat()}/hour={hour:02d}/traces-{i + 1:04d}.jsonl"
        lines = list(jsonl_lines(chunk))
        data = b"".join(lines)
        if gzipped:
            key, data = key + ".gz", gzip.compress(data, compresslevel=6, mtime=0)
        out.append(EncodedFile(key, data, len(lines)))
    return out


def _day_start_ns(day: dt.date) -> int:
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return int(midnight.timestamp()) * 10**9


def _summary(
    day: dt.date, traces: list[TraceRecord], uris: list[str], lines: int
) -> GenerationSummary:
    spans = [span for trace in traces for span in trace.spans]
    return GenerationSummary(
        date=day.isoformat(),
        traces=len(traces),
        spans=len(spans),
        files=uris,
        lines=lines,
        error_spans=sum(span.failed for span in spans),
        failed_traces=sum(is_failure(t.labels) for t in traces),
        regressed_traces=sum(bool(t.labels.get("injected")) for t in traces),
    )


def is_failure(labels: dict) -> bool:
    """Whether a trace's ground-truth labels mark a quality failure."""
    return any(labels.get(key) is False for key in _FAILURE_LABELS)
