"""The tests behind every flag: exact for small samples, BH across the day's many tests."""

import numpy as np
import pytest
from scipy.stats import fisher_exact, norm

from fi_dagster.stats.multiple_testing import benjamini_hochberg
from fi_dagster.stats.significance import mean_increase_p_values, rate_increase_p_values


def test_small_samples_get_fishers_exact_test():
    [p] = rate_increase_p_values(1, 12, 5, 12)  # 1/12 bad before, 5/12 now
    expected = fisher_exact([[5, 7], [1, 11]], alternative="greater")[1]
    assert p == pytest.approx(expected)
    z = (5 / 12 - 1 / 12) / np.sqrt(0.25 * 0.75 * (2 / 12))
    assert p > norm.sf(z)  # the normal approximation would overstate the evidence


def test_large_samples_get_the_two_proportion_z_test():
    [p] = rate_increase_p_values(100, 1000, 150, 1000)
    pooled = 250 / 2000
    z = (0.15 - 0.10) / np.sqrt(pooled * (1 - pooled) * (2 / 1000))
    assert p == pytest.approx(norm.sf(z))


def test_rates_that_improved_or_have_no_data_are_not_significant():
    p = rate_increase_p_values([100, 10, 5], [1000, 0, 50], [50, 3, 5], [1000, 40, 0])
    assert p[0] > 0.99 and p[1] == 1.0 and p[2] == 1.0


def test_welch_detects_a_higher_mean_and_respects_sample_size():
    small, large = mean_increase_p_values(
        [10.0, 10.0], [4.0, 4.0], [5, 500], [11.0, 11.0], [4.0, 4.0], [5, 500]
    )
    assert large < 1e-4 < 0.05 < small
    [same] = mean_increase_p_values(10.0, 0.0, 30, 10.0, 0.0, 30)
    assert same == 1.0


def test_benjamini_hochberg_matches_the_step_up_rule():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5])
    q = benjamini_hochberg(p)
    # sorted: .005 .01 .03 .04 .5 → ×5/rank: .025 .025 .05 .05 .5 (then monotone from the top)
    assert q == pytest.approx([0.025, 0.05, 0.05, 0.025, 0.5])
    assert (q >= p).all() and benjamini_hochberg(np.array([])).size == 0


def test_benjamini_hochberg_keeps_false_alarms_rare_among_many_null_tests():
    rng = np.random.default_rng(0)
    days = [benjamini_hochberg(rng.uniform(size=500)) for _ in range(200)]
    days_with_a_false_alarm = sum(bool((q <= 0.01).any()) for q in days)
    assert days_with_a_false_alarm <= 6  # ~1% of days expected under the global null
