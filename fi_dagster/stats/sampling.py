"""Which traces get evaluated: deterministic, cohort-stratified sampling with known weights.

Each trace draws a uniform number from a salted hash of its id, so a re-run (or a backfill
on another machine) picks exactly the same traces. Each cohort gets its own inclusion
probability; rows carry ``sample_weight = 1 / inclusion_prob`` so weighted statistics estimate
the whole day, not the sample.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from fi_dagster.config import SamplingConfig
from fi_dagster.traces.schema import COHORT_COLUMNS


def trace_uniforms(trace_ids: Iterable[str], salt: str) -> np.ndarray:
    """A stable draw in [0, 1) per trace id: blake2b(salt, id), top 53 bits."""
    seed = hashlib.blake2b(salt.encode() + b"\x1f", digest_size=8)

    def digest(trace_id: str) -> bytes:
        h = seed.copy()
        h.update(str(trace_id).encode())
        return h.digest()

    bits = np.frombuffer(b"".join([digest(t) for t in trace_ids]), dtype=">u8")
    return (bits >> np.uint64(11)).astype(np.float64) / float(2**53)


def _cohort_rates(size: np.ndarray, forced: np.ndarray, config: SamplingConfig) -> np.ndarray:
    """Inclusion probability of each cohort's unforced traces, before the daily cap.

    `size` and `forced` are per cohort: all traces, and errors that are always kept.
    """
    free = (size - forced).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.maximum(config.rate, (config.min_per_cohort - forced) / free)
        if config.max_per_cohort is not None:
            rate = np.minimum(rate, (config.max_per_cohort - forced) / free)
    return np.clip(np.where(free > 0, rate, 1.0), 0.0, 1.0)


def _daily_cap_scale(
    rate: np.ndarray, free: np.ndarray, forced: np.ndarray, cap: int | None
) -> float:
    """Factor on every cohort rate so the expected sample fits `max_traces_per_day`."""
    expected_free = float((rate * free).sum())
    if cap is None or forced.sum() + expected_free <= cap or expected_free == 0:
        return 1.0
    return max(0.0, cap - float(forced.sum())) / expected_free


def sample_cohorts(trace_facts: pd.DataFrame, config: SamplingConfig) -> pd.DataFrame:
    """The sampled traces (all input columns) plus `inclusion_prob` and `sample_weight`.

    A cohort's rate is `config.rate`, raised until `min_per_cohort` traces are expected,
    lowered to `max_per_cohort`, then all rates scaled to fit `max_traces_per_day`.
    Errors are always kept (probability 1) when `always_include_errors` is set, even past a cap.
    """
    facts = trace_facts.reset_index(drop=True)
    if facts.empty:
        empty = pd.Series(dtype=float)
        return facts.assign(inclusion_prob=empty, sample_weight=empty)
    cohort = facts[list(COHORT_COLUMNS)].astype(object).fillna("")
    codes = cohort.groupby(list(COHORT_COLUMNS), sort=False).ngroup().to_numpy()
    has_error = facts["has_error"] if "has_error" in facts else pd.Series(False, index=facts.index)
    forced = has_error.fillna(False).to_numpy(dtype=bool) & config.always_include_errors

    size = np.bincount(codes)
    n_forced = np.bincount(codes, weights=forced, minlength=len(size))
    rate = _cohort_rates(size, n_forced, config)
    rate *= _daily_cap_scale(rate, size - n_forced, n_forced, config.max_traces_per_day)

    prob = np.where(forced, 1.0, rate[codes])
    keep = trace_uniforms(facts["trace_id"].tolist(), config.salt) < prob
    sampled = facts.loc[keep].copy()
    sampled["inclusion_prob"] = prob[keep]
    sampled["sample_weight"] = 1.0 / prob[keep]
    return sampled.reset_index(drop=True)
