"""Statistics core: prices, cohort sampling, daily quality/latency/cost tables, regressions.

Plain pandas/numpy/scipy; knows nothing of Dagster.
"""
