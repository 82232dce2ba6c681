"""Which traces get evaluated: a deterministic, cohort-stratified sample with known weights.

- Strata are cohorts (model, prompt_version, route, tenant). With `always_include_errors`
  a cohort's error traces form a stratum of their own that is taken whole.
- Every trace draws u = blake2b(salt, trace_id) in [0, 1). A stratum takes the n traces with
  the smallest u: a trace is in the sample iff its u is below its stratum's threshold, so a
  re-run or a backfill on another machine picks exactly the same traces.
- n is the stratum's target x = rate × size, raised to `min_per_cohort`, lowered to
  `max_per_cohort`, and rounded down or up by a draw that makes E[n] = x. Each trace's
  inclusion probability is therefore x / size, carried as `inclusion_prob`; weighting rows
  by `sample_weight = 1 / inclusion_prob` estimates the whole day, not the sample.
- The daily caps (`max_traces_per_day`, `max_judged_items_per_day`) are hard. When the
  targets overshoot them they shrink in three phases, as little as needed: first the share
  above each cohort's minimum, then the minimums, then the always-included errors. The level
  is measured on the traces that would actually be chosen, so the caps are never exceeded;
  the price is that `inclusion_prob` is then exact only up to that data-dependent level.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from fi_dagster.config import SamplingConfig
from fi_dagster.stats.percentiles import KeyCodes
from fi_dagster.traces.schema import COHORT_COLUMNS

SAMPLE_COLUMNS = ("inclusion_prob", "sample_weight")
# What the trace facts (``traces/facts.py``) and `judged_items` read from the spans.
FACT_SPAN_INPUTS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "span_kind",
    "status",
    "start_time",
    "end_time",
    "prompt_tokens",
    "completion_tokens",
    *COHORT_COLUMNS,
)
_LEVELS = 3.0  # phases: forced errors (0-1), cohort minimums (1-2), rates above them (2-3)
_BISECTIONS = 60


def trace_digests(trace_ids: Iterable[str], salt: str) -> np.ndarray:
    """A stable 64-bit digest per trace id: blake2b(salt, id), independent of PYTHONHASHSEED."""
    seed = hashlib.blake2b(salt.encode() + b"\x1f", digest_size=8)

    def digest(trace_id: str) -> bytes:
        h = seed.copy()
        h.update(str(trace_id).encode())
        return h.digest()

    return np.frombuffer(b"".join([digest(t) for t in trace_ids]), dtype=">u8").astype(np.uint64)


def trace_uniforms(trace_ids: Iterable[str], salt: str) -> np.ndarray:
    """A stable draw in [0, 1) per trace id: the top 53 bits of its digest."""
    return _unit(trace_digests(trace_ids, salt))


def _unit(bits: np.ndarray) -> np.ndarray:
    return (bits >> np.uint64(11)).astype(np.float64) / float(2**53)


def judged_items(spans: pd.DataFrame) -> pd.Series:
    """Per trace_id, the spans a built-in judge evaluator may send to the judge.

    Every LLM span (Groundedness judges answers) and every AGENT root (TaskCompletion judges
    the run): an upper bound on the trace's judge calls, known before anything is judged.
    """
    kind = spans["span_kind"]
    parent = spans["parent_span_id"]
    is_root = parent.isna() | (parent == "")
    eligible = (kind == "LLM") | ((kind == "AGENT") & is_root)
    return eligible.groupby(spans["trace_id"], sort=False).sum().astype("int64")


class _Strata:
    """Per stratum: size, the minimum and wanted sample sizes, and the rounding draw."""

    def __init__(self, facts: pd.DataFrame, config: SamplingConfig, digests: np.ndarray):
        cohort = KeyCodes([facts[c].astype(object).fillna("") for c in COHORT_COLUMNS])
        cohort_code = np.unique(cohort.combine(), return_inverse=True)[1]
        has_error = _column(facts, "has_error", False).fillna(False).to_numpy(dtype=bool)
        forced = has_error & config.always_include_errors
        keys, self.code = np.unique(cohort_code * 2 + forced, return_inverse=True)
        self.forced = (keys % 2).astype(bool)
        self.size = np.bincount(self.code, minlength=len(keys)).astype(float)
        forced_per_cohort = np.bincount(cohort_code, weights=forced)
        self.lo, self.want = self._targets(forced_per_cohort[keys // 2], config)
        # The sum of a stratum's digests (mod 2^64) is uniform, stable under row order, and
        # changes with the day's traces: the draw that rounds its target down or up.
        sums = np.zeros(len(keys), dtype=np.uint64)
        np.add.at(sums, self.code, digests)
        self.rounding = _unit(sums)

    def _targets(self, errors: np.ndarray, config: SamplingConfig) -> tuple[np.ndarray, ...]:
        size = self.size
        lo = np.clip(config.min_per_cohort - errors, 0, size)
        want = np.maximum(config.rate * size, lo)
        if config.max_per_cohort is not None:
            want = np.minimum(want, np.maximum(config.max_per_cohort - errors, 0))
        want = np.minimum(want, size)
        lo = np.minimum(lo, want)  # a maximum below the minimum wins
        return np.where(self.forced, size, lo), np.where(self.forced, size, want)

    def target(self, level: float) -> np.ndarray:
        """Expected sample size per stratum at a level in [0, 3] (3 = no cap binds)."""
        free = np.clip(level - 1, 0, 1) * self.lo + np.clip(level - 2, 0, 1) * (self.want - self.lo)
        return np.where(self.forced, np.clip(level, 0, 1) * self.size, free)

    def count(self, target: np.ndarray) -> np.ndarray:
        """Realized sample size per stratum: the target rounded by the stratum's draw."""
        whole = np.floor(target)
        return (whole + (self.rounding < target - whole)).astype(np.int64)


def _column(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    return frame[name] if name in frame else pd.Series(default, index=frame.index)


def _items_per_trace(facts: pd.DataFrame) -> np.ndarray:
    """Judged items per trace: `judged_items`, else its LLM calls, else 1."""
    for name in ("judged_items", "n_llm_calls"):
        if name in facts:
            return pd.to_numeric(facts[name], errors="coerce").fillna(0).to_numpy(dtype=float)
    return np.ones(len(facts))


class _Ranked:
    """Traces ranked by their draw within each stratum, with cumulative judged items."""

    def __init__(self, code: np.ndarray, uniforms: np.ndarray, items: np.ndarray, n: int):
        order = np.lexsort((uniforms, code))
        counts = np.bincount(code, minlength=n)
        self.start = np.cumsum(counts) - counts
        self.rank = np.empty(len(code), dtype=np.int64)
        self.rank[order] = np.arange(len(code)) - self.start[code[order]]
        self.cumulative = np.concatenate([[0.0], np.cumsum(items[order])])

    def items(self, sizes: np.ndarray) -> float:
        """Judged items of the first `sizes[s]` traces of every stratum s."""
        return float((self.cumulative[self.start + sizes] - self.cumulative[self.start]).sum())


def _level(strata: _Strata, ranked: _Ranked, config: SamplingConfig) -> float:
    """The highest level whose realized sample fits both daily caps."""

    def fits(level: float) -> bool:
        sizes = strata.count(strata.target(level))
        if config.max_traces_per_day is not None and sizes.sum() > config.max_traces_per_day:
            return False
        cap = config.max_judged_items_per_day
        return cap is None or ranked.items(sizes) <= cap

    if fits(_LEVELS):
        return _LEVELS
    low, high = 0.0, _LEVELS
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def sample_cohorts(trace_facts: pd.DataFrame, config: SamplingConfig) -> pd.DataFrame:
    """The sampled traces (all input columns) plus `inclusion_prob` and `sample_weight`."""
    facts = trace_facts.reset_index(drop=True)
    if facts.empty:
        empty = pd.Series(dtype=float)
        return facts.assign(inclusion_prob=empty, sample_weight=empty)
    digests = trace_digests(facts["trace_id"].tolist(), config.salt)
    strata = _Strata(facts, config, digests)
    ranked = _Ranked(strata.code, _unit(digests), _items_per_trace(facts), len(strata.size))
    target = strata.target(_level(strata, ranked, config))
    keep = ranked.rank < strata.count(target)[strata.code]
    prob = (target / strata.size)[strata.code[keep]]
    sampled = facts.loc[keep].copy()
    sampled["inclusion_prob"] = prob
    sampled["sample_weight"] = 1.0 / prob
    return sampled.reset_index(drop=True)
