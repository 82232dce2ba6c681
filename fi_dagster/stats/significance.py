"""Is today worse than its baseline? One-sided tests for a rate and for a mean.

Both take the baseline as one pooled sample. Counts may be effective (Kish) sample sizes,
so they need not be integers; the exact test rounds them.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import fisher_exact, norm, t

MIN_EXPECTED = 5.0  # below this expected count in any cell the normal approximation is off
MAX_Z = 40.0


def rate_increase_p_value(bad_base: float, n_base: float, bad_cur: float, n_cur: float) -> float:
    """P-value that today's share of bad outcomes is above the baseline's.

    Fisher's exact test when any expected cell count is below 5 (small samples, rare
    events), else the pooled two-proportion z-test. 1.0 when either side is empty.
    """
    if n_base <= 0 or n_cur <= 0:
        return 1.0
    pooled = (bad_base + bad_cur) / (n_base + n_cur)
    expected = min(pooled, 1 - pooled) * min(n_base, n_cur)
    if expected < MIN_EXPECTED:
        table = _counts(bad_cur, n_cur), _counts(bad_base, n_base)
        return float(fisher_exact(table, alternative="greater")[1])
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_base + 1 / n_cur))
    return float(norm.sf((bad_cur / n_cur - bad_base / n_base) / se))


def _counts(bad: float, n: float) -> list[int]:
    total = max(1, round(n))
    bad_int = min(total, max(0, round(bad)))
    return [bad_int, total - bad_int]


def mean_increase_p_value(
    mean_base: float, var_base: float, n_base: float, mean_cur: float, var_cur: float, n_cur: float
) -> float:
    """P-value that today's mean is above the baseline's (Welch's t-test, one-sided)."""
    if n_base < 2 or n_cur < 2 or not np.isfinite([mean_base, mean_cur]).all():
        return 1.0
    se_base, se_cur = max(var_base, 0.0) / n_base, max(var_cur, 0.0) / n_cur
    se = math.sqrt(se_base + se_cur)
    if se == 0:
        return 0.0 if mean_cur > mean_base else 1.0
    df = (se_base + se_cur) ** 2 / (se_base**2 / (n_base - 1) + se_cur**2 / (n_cur - 1))
    return float(t.sf((mean_cur - mean_base) / se, df))


def z_score(p_value: float) -> float:
    """The one-sided normal z a p-value corresponds to, capped (ranking strength, not a test)."""
    return float(min(MAX_Z, norm.isf(max(p_value, 1e-300))))
