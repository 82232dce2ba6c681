"""Pass rates from weighted samples: effective sample size, Wilson interval, drop test."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

Z_95 = float(norm.ppf(0.975))


def kish_effective_n(sum_w: np.ndarray, sum_w2: np.ndarray) -> np.ndarray:
    """Kish effective sample size (Σw)²/Σw²: what unequal sampling weights are worth."""
    sum_w = np.asarray(sum_w, dtype=float)
    sum_w2 = np.asarray(sum_w2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sum_w2 > 0, sum_w**2 / sum_w2, 0.0)


def wilson_interval(p: np.ndarray, n: np.ndarray, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion `p` observed on `n` (possibly effective) trials.

    NaN where n <= 0 or p is unknown.
    """
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(n > 0, n, np.nan)
        z2n = z * z / n
        center = (p + z2n / 2) / (1 + z2n)
        half = z / (1 + z2n) * np.sqrt(p * (1 - p) / n + z2n / (4 * n))
    return np.clip(center - half, 0, 1), np.clip(center + half, 0, 1)


def drop_p_value(p_base: float, n_base: float, p_cur: float, n_cur: float) -> tuple[float, float]:
    """One-sided two-proportion z-test that the current rate is below the baseline.

    Returns (z, p_value); z is positive when the rate dropped.
    """
    if n_base <= 0 or n_cur <= 0:
        return 0.0, 1.0
    pooled = (p_base * n_base + p_cur * n_cur) / (n_base + n_cur)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_base + 1 / n_cur))
    if se == 0:
        dropped = p_cur < p_base
        return (np.inf, 0.0) if dropped else (0.0, 1.0)
    z = (p_base - p_cur) / se
    return float(z), float(norm.sf(z))
