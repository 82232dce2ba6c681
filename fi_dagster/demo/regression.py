"""Regression knobs: what the demo injects into one cohort on one day, and their effect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fi_dagster.demo.cohorts import COHORT_DIMENSIONS, TraceCohort

MAX_FAILURE_RATE = 0.95


@dataclass(frozen=True)
class Regression:
    """A change injected into the traces of one cohort.

    - ``quality``: the cohort's failure rates (hallucinated RAG answers, failed agent tasks,
      invalid JSON) are multiplied by ``factor`` (capped at 95%); 10 turns ~4% into ~40%.
    - ``latency``: the duration of span ``step`` (every step if None) is multiplied by ``factor``.
    - ``tokens``: the prompt tokens of span ``step`` (every LLM step if None) are multiplied by
      ``factor``, as when a prompt template grows.

    ``cohort`` maps dimensions (``route``, ``tenant``, ``model``, ``prompt_version``) to the
    values a trace must all have to be affected, e.g. ``{"tenant": "northwind"}``.
    """

    kind: Literal["quality", "latency", "tokens"]
    cohort: dict[str, str]
    step: str | None = None
    factor: float = 10.0

    def __post_init__(self) -> None:
        if self.kind not in ("quality", "latency", "tokens"):
            raise ValueError(f"Regression.kind must be quality, latency or tokens: {self.kind!r}")
        unknown = set(self.cohort) - set(COHORT_DIMENSIONS)
        if unknown:
            raise ValueError(f"Regression.cohort keys must be in {COHORT_DIMENSIONS}: {unknown}")
        if self.factor <= 0:
            raise ValueError(f"Regression.factor must be positive: {self.factor}")

    def matches(self, cohort: TraceCohort) -> bool:
        return all(cohort.value(dim) == value for dim, value in self.cohort.items())


@dataclass(frozen=True)
class TraceEffects:
    """The combined effect of the regressions that match one trace."""

    regressions: tuple[Regression, ...] = ()

    @property
    def kinds(self) -> list[str]:
        """The kinds of regression applied, as recorded in the trace's labels."""
        return sorted({r.kind for r in self.regressions})

    def failure_rate(self, baseline: float) -> float:
        """The probability of a quality failure whose normal rate is ``baseline``."""
        rate = baseline
        for r in self.regressions:
            if r.kind == "quality":
                rate *= r.factor
        return min(rate, MAX_FAILURE_RATE)

    def latency_factor(self, step: str) -> float:
        return self._factor("latency", step)

    def token_factor(self, step: str) -> float:
        return self._factor("tokens", step)

    def _factor(self, kind: str, step: str) -> float:
        factor = 1.0
        for r in self.regressions:
            if r.kind == kind and r.step in (None, step):
                factor *= r.factor
        return factor


NO_EFFECTS = TraceEffects()


def effects_for(cohort: TraceCohort, regressions: Sequence[Regression]) -> TraceEffects:
    """What the given regressions do to a trace of this cohort."""
    matching = tuple(r for r in regressions if r.matches(cohort))
    return TraceEffects(matching) if matching else NO_EFFECTS
