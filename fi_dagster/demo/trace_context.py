"""Everything a scenario needs to build one trace: randomness, cohort, injected effects."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from fi_dagster.demo import semconv as oi
from fi_dagster.demo.cohorts import TraceCohort
from fi_dagster.demo.regression import TraceEffects
from fi_dagster.demo.spans import SpanError, SpanRecord, TraceBuilder, lognormal_ms


@dataclass
class TraceContext:
    """The per-trace state a scenario draws from and writes spans into."""

    rng: random.Random
    day: date
    cohort: TraceCohort
    effects: TraceEffects
    builder: TraceBuilder

    def fails(self, baseline_rate: float) -> bool:
        """Whether a quality failure with this normal rate happens (regressions raise it)."""
        return self.rng.random() < self.effects.failure_rate(baseline_rate)

    def step_ms(self, step: str, median_ms: float, sigma: float) -> float:
        """A heavy-tailed duration for ``step``, slowed by any latency regression on it."""
        return lognormal_ms(self.rng, median_ms, sigma) * self.effects.latency_factor(step)

    def step(
        self,
        name: str,
        kind: str,
        scope: str,
        duration_ms: float,
        attributes: dict[str, Any],
        error: SpanError | None = None,
    ) -> SpanRecord:
        """Record the next step of the pipeline as a child of the root span."""
        attributes[oi.SPAN_KIND] = kind
        return self.builder.child(name, kind, scope, duration_ms, attributes, error)

    def finish(
        self,
        input_text: str,
        output_text: str | None,
        labels: dict[str, Any],
        error: SpanError | None = None,
        output_mime: str = oi.TEXT_MIME,
    ) -> dict[str, Any]:
        """Close the root span with the request, the answer and the ground-truth labels."""
        cohort = self.cohort
        labels = {**labels, "injected": self.effects.kinds}
        attributes: dict[str, Any] = {
            oi.SPAN_KIND: self.builder.root.kind,
            oi.INPUT_VALUE: input_text,
            oi.INPUT_MIME_TYPE: oi.TEXT_MIME,
            oi.ROUTE: cohort.route,
            oi.TENANT_ID: cohort.tenant,
            oi.SESSION_ID: cohort.session_id,
            oi.USER_ID: cohort.user_id,
            oi.TAGS: ["production", cohort.route],
            oi.METADATA: oi.json_text({"synthetic": labels, "app_version": "2.14.0"}),
        }
        if output_text is not None:
            attributes[oi.OUTPUT_VALUE] = output_text
            attributes[oi.OUTPUT_MIME_TYPE] = output_mime
        self.builder.finish(attributes, error)
        return labels
