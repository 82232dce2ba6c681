"""Per-group quantiles: values sorted once give the same quantiles as sorting per grouping."""

import numpy as np
import pytest

from fi_dagster.stats.percentiles import SortedValues, grouped_quantiles

QUANTILES = (0.0, 0.5, 0.95, 0.99, 1.0)


@pytest.mark.parametrize("n_groups", [1, 7, 70_000])  # 70,000 codes do not fit in uint16
def test_sorted_once_equals_numpy_per_group(n_groups):
    rng = np.random.default_rng(n_groups)
    values = np.round(rng.lognormal(4, 1, 200_000), 1)  # rounded: many ties
    values[rng.random(len(values)) < 0.05] = np.nan
    sorted_values = SortedValues(values)
    for grouping in range(2):
        codes = rng.integers(0, n_groups, len(values)) // (grouping + 1)  # upper groups empty
        got = sorted_values.grouped_quantiles(codes, n_groups, QUANTILES)
        ok = ~np.isnan(values)
        expected = grouped_quantiles(codes[ok], values[ok], n_groups, QUANTILES)
        np.testing.assert_array_equal(got, expected)
        for group in rng.choice(n_groups, min(n_groups, 5), replace=False):
            mine = values[ok & (codes == group)]
            want = np.quantile(mine, QUANTILES) if mine.size else np.full(len(QUANTILES), np.nan)
            # positions are counted from the start of all values: ~1e-11 relative round-off
            np.testing.assert_allclose(got[group], want, rtol=1e-9)


def test_no_values_no_quantiles():
    got = SortedValues(np.array([np.nan, np.nan])).grouped_quantiles(np.array([0, 1]), 2, (0.5,))
    assert got.shape == (2, 1) and np.isnan(got).all()
