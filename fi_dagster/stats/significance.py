"""Is today worse than its baseline? One-sided tests for a rate and for a mean, vectorized.

Both take the baseline as one pooled sample. Counts may be effective (Kish) sample sizes,
so they need not be integers; the exact test rounds them.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import fisher_exact, norm, t

MIN_EXPECTED = 5.0  # below this expected count in any cell the normal approximation is off
MAX_Z = 40.0


def _arrays(*values) -> list[np.ndarray]:
    return [np.atleast_1d(np.asarray(v, dtype=float)) for v in values]


def rate_increase_p_values(bad_base, n_base, bad_cur, n_cur) -> np.ndarray:
    """P-values that today's share of bad outcomes is above the baseline's, per element.

    Fisher's exact test where any expected cell count is below 5 (small samples, rare
    events), else the pooled two-proportion z-test; 1.0 where either side is empty.
    """
    bad_base, n_base, bad_cur, n_cur = _arrays(bad_base, n_base, bad_cur, n_cur)
    valid = (n_base > 0) & (n_cur > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (bad_base + bad_cur) / (n_base + n_cur)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n_base + 1 / n_cur))
        z = (bad_cur / n_cur - bad_base / n_base) / se
    p = np.where(valid, norm.sf(z), 1.0)
    p = np.where(valid & (se == 0), np.where(z > 0, 0.0, 1.0), p)
    expected = np.minimum(pooled, 1 - pooled) * np.minimum(n_base, n_cur)
    for i in np.flatnonzero(valid & (expected < MIN_EXPECTED)):
        table = _counts(bad_cur[i], n_cur[i]), _counts(bad_base[i], n_base[i])
        p[i] = fisher_exact(table, alternative="greater")[1]
    return p


def _counts(bad: float, n: float) -> list[int]:
    total = max(1, round(n))
    bad_int = min(total, max(0, round(bad)))
    return [bad_int, total - bad_int]


def mean_increase_p_values(mean_base, var_base, n_base, mean_cur, var_cur, n_cur) -> np.ndarray:
    """P-values that today's mean is above the baseline's (Welch's t-test), per element."""
    mean_base, var_base, n_base, mean_cur, var_cur, n_cur = _arrays(
        mean_base, var_base, n_base, mean_cur, var_cur, n_cur
    )
    valid = (n_base >= 2) & (n_cur >= 2) & np.isfinite(mean_base) & np.isfinite(mean_cur)
    with np.errstate(divide="ignore", invalid="ignore"):
        se_base = np.clip(np.nan_to_num(var_base), 0, None) / n_base
        se_cur = np.clip(np.nan_to_num(var_cur), 0, None) / n_cur
        se = np.sqrt(se_base + se_cur)
        df = (se_base + se_cur) ** 2 / (se_base**2 / (n_base - 1) + se_cur**2 / (n_cur - 1))
        p = t.sf((mean_cur - mean_base) / se, np.nan_to_num(df, nan=1.0))
    p = np.where(se == 0, np.where(mean_cur > mean_base, 0.0, 1.0), p)
    return np.where(valid, p, 1.0)


def z_score(p_value: float) -> float:
    """The one-sided normal z a p-value corresponds to, capped (ranking strength, not a test)."""
    return float(min(MAX_Z, norm.isf(max(p_value, 1e-300))))
