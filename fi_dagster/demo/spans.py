"""One synthetic trace as plain records, laid out on a clock relative to the trace start."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

NS_PER_MS = 1_000_000
_GAP_MS = 0.4  # framework overhead between sibling steps


@dataclass(frozen=True, slots=True)
class SpanError:
    """An exception recorded on a span (status ERROR plus an ``exception`` event)."""

    type: str
    message: str


@dataclass(slots=True)
class SpanRecord:
    """A span before OTLP encoding; times are nanoseconds from the trace start."""

    span_id: str
    parent_id: str | None
    name: str
    kind: str  # OpenInference span kind
    scope: str  # instrumentation scope that emitted it
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    error: SpanError | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass(slots=True)
class TraceRecord:
    """A finished trace: its spans (root first), where it runs and its ground-truth labels."""

    trace_id: str
    service: str
    tenant: str
    spans: list[SpanRecord]
    labels: dict[str, Any] = field(default_factory=dict)
    start_ns: int = 0  # absolute start, set when the trace is placed in the day

    @property
    def duration_ns(self) -> int:
        return self.spans[0].end_ns - self.spans[0].start_ns


def new_id(rng: random.Random, bits: int) -> str:
    """A random non-zero hex id (``bits`` = 64 for spans, 128 for traces)."""
    return f"{rng.getrandbits(bits) or 1:0{bits // 4}x}"


def lognormal_ms(rng: random.Random, median_ms: float, sigma: float) -> float:
    """A latency with a heavy right tail: p99 is exp(2.33 * sigma) times the median."""
    return median_ms * rng.lognormvariate(0.0, sigma)


class TraceBuilder:
    """Lays out the root's children one after another, as a sequential pipeline runs them."""

    def __init__(self, rng: random.Random, root_name: str, kind: str, scope: str) -> None:
        self._rng = rng
        self.root = SpanRecord(new_id(rng, 64), None, root_name, kind, scope, 0, 0, {})
        self.spans = [self.root]
        self._cursor = self._ns(lognormal_ms(rng, 2.0, 0.5))

    @staticmethod
    def _ns(ms: float) -> int:
        return max(1, int(ms * NS_PER_MS))

    def child(
        self,
        name: str,
        kind: str,
        scope: str,
        duration_ms: float,
        attributes: dict[str, Any],
        error: SpanError | None = None,
    ) -> SpanRecord:
        """Append the next step under the root, starting after the previous one ends."""
        start = self._cursor
        end = start + self._ns(duration_ms)
        span = SpanRecord(
            new_id(self._rng, 64), self.root.span_id, name, kind, scope, start, end, attributes
        )
        span.error = error
        self.spans.append(span)
        self._cursor = end + self._ns(lognormal_ms(self._rng, _GAP_MS, 0.5))
        return span

    def finish(self, attributes: dict[str, Any], error: SpanError | None = None) -> None:
        """Close the root after its last child, with its own attributes."""
        self.root.end_ns = self._cursor + self._ns(lognormal_ms(self._rng, 1.5, 0.5))
        self.root.attributes = attributes
        self.root.error = error
