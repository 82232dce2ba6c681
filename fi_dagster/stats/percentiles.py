"""Exact per-group statistics over millions of rows, without a Python loop per group."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def grouped_quantiles(
    codes: np.ndarray, values: np.ndarray, n_groups: int, quantiles: Sequence[float]
) -> np.ndarray:
    """Quantiles of `values` per group code, shape (n_groups, len(quantiles)).

    Same definition as ``numpy.quantile(method="linear")``; groups with no values get NaN.
    `values` must not contain NaN (drop them first).
    """
    codes = np.asarray(codes, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return np.full((n_groups, len(quantiles)), np.nan)
    ordered = values[np.lexsort((values, codes))]
    return _interpolate(ordered, np.bincount(codes, minlength=n_groups), quantiles)


class SortedValues:
    """One value column sorted once, for its per-group quantiles under several groupings.

    `grouped_quantiles` sorts by (group, value) on every call. When the same million values
    are grouped several ways (the day, then each cohort column), sorting them by value once
    and then only by group code is several times faster: a stable sort of small integer
    codes is a radix sort. The result is the same, value for value. NaN values are left out.
    """

    def __init__(self, values: np.ndarray):
        values = np.asarray(values, dtype=np.float64)
        order = np.argsort(values, kind="stable")  # NaN sorts last
        self._rows = order[: np.count_nonzero(~np.isnan(values))]
        self._sorted = values[self._rows]

    def grouped_quantiles(
        self, codes: np.ndarray, n_groups: int, quantiles: Sequence[float]
    ) -> np.ndarray:
        """Like ``grouped_quantiles(codes[ok], values[ok], ...)`` over the non-NaN values."""
        if self._rows.size == 0:
            return np.full((n_groups, len(quantiles)), np.nan)
        codes = np.asarray(codes)[self._rows]
        small = codes.astype(np.uint16) if n_groups <= 2**16 else codes  # uint16: radix sort
        ordered = self._sorted[np.argsort(small, kind="stable")]
        return _interpolate(ordered, np.bincount(codes, minlength=n_groups), quantiles)


def _interpolate(ordered: np.ndarray, counts: np.ndarray, quantiles: Sequence[float]):
    """Linear-interpolated quantiles of each group's run in `ordered` (sorted by group code,
    then value; `counts[g]` values of group g)."""
    out = np.full((len(counts), len(quantiles)), np.nan)
    starts = np.cumsum(counts) - counts
    present = counts > 0
    first, size = starts[present], counts[present]
    for j, q in enumerate(quantiles):
        position = first + q * (size - 1)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, first + size - 1)
        frac = position - low
        out[present, j] = ordered[low] + frac * (ordered[high] - ordered[low])
    return out


class KeyCodes:
    """Rows of several string key columns as one integer group code, and back.

    Grouping a million rows by integer codes is several times faster than by strings. With
    `rolled_up` set, code 0 of every column stands for that label (e.g. ``*``), so grouping
    sets that leave a column out (roll-ups) are codes too.
    """

    def __init__(self, columns: Sequence[pd.Series], rolled_up: str | None = None):
        factorized = [pd.factorize(c, sort=True, use_na_sentinel=False) for c in columns]
        extra = [] if rolled_up is None else [rolled_up]
        self._codes = [codes + len(extra) for codes, _ in factorized]
        self._values = [np.array([*extra, *values], dtype=object) for _, values in factorized]

    def combine(self, keep: Sequence[bool] | None = None) -> np.ndarray:
        """One int64 code per row; columns not kept are set to the rolled-up label."""
        keep = keep if keep is not None else [True] * len(self._codes)
        code = np.zeros(len(self._codes[0]), dtype=np.int64)
        for codes, values, kept in zip(self._codes, self._values, keep, strict=True):
            code = code * len(values) + (codes if kept else 0)
        return code

    def labels(self, code: np.ndarray) -> list[np.ndarray]:
        """The key values of each combined code, one array per column."""
        labels = []
        for values in reversed(self._values):
            code, index = np.divmod(code, len(values))
            labels.append(values[index])
        return labels[::-1]
