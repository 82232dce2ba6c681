"""Which earlier days a partition is compared against, and how they pool.

The default baseline is the trailing ``baseline_days`` partitions; a day already flagged
for a metric is left out of that metric's baseline, so a regression that lasts a few days
is compared with the days before it rather than with itself. A pinned baseline (a named
reference window) is used as configured, flagged days included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from fi_dagster.config import RegressionConfig
from fi_dagster.stats.comparisons import family_of


@dataclass(frozen=True)
class BaselineWindow:
    start: str
    end: str
    pinned: str | None = None  # the reference window's name when pinned

    def describe(self) -> str:
        where = f"reference window {self.pinned!r}" if self.pinned else "trailing window"
        return f"{where} {self.start} … {self.end}"


def baseline_window(partition_date: str, config: RegressionConfig) -> BaselineWindow:
    """The days `partition_date` is compared against (never including itself)."""
    if config.pinned_baseline:
        window = config.reference_windows[config.pinned_baseline]
        end = min(window.end, _shift(partition_date, -1))
        return BaselineWindow(window.start, end, config.pinned_baseline)
    return BaselineWindow(_shift(partition_date, -config.baseline_days), _shift(partition_date, -1))


def _shift(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def flagged_days(regressions: pd.DataFrame) -> pd.DataFrame:
    """(partition_date, family, stat) of every stored regression, its echoes included."""
    columns = ["partition_date", "family", "stat"]
    if regressions is None or regressions.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            "partition_date": regressions["partition_date"].to_numpy(),
            "family": [family_of(m) for m in regressions["metric"]],
            "stat": regressions["evaluator_or_stat"].to_numpy(),
        }
    ).drop_duplicates()


def without_flagged(
    baseline: pd.DataFrame, flagged: pd.DataFrame, family: str, stat_column: str
) -> pd.DataFrame:
    """`baseline` rows minus the days on which their stat was flagged in `family`."""
    days = flagged.loc[flagged["family"] == family, ["partition_date", "stat"]]
    if baseline.empty or days.empty:
        return baseline
    keys = pd.MultiIndex.from_frame(days)
    mine = pd.MultiIndex.from_arrays([baseline["partition_date"], baseline[stat_column]])
    return baseline[~mine.isin(keys)]


def pooled_moments(
    daily: pd.DataFrame, keys: list[str], mean: str, sd: str, n: str = "n"
) -> pd.DataFrame:
    """Per key: total n, the pooled mean and variance of daily (n, mean, sd) rows, and the
    number of days. The variance includes the spread between days, not only within them."""
    rows = daily[daily[mean].notna() & (daily[n] > 0)]
    weight = rows[n].to_numpy(dtype=float)
    means = rows[mean].to_numpy(dtype=float)
    sds = np.nan_to_num(rows[sd].to_numpy(dtype=float))
    work = pd.DataFrame(
        {
            "base_n": weight,
            "_sum": weight * means,
            "_sq": np.clip(weight - 1, 0, None) * sds**2 + weight * means**2,
            "base_days": 1,  # one row per key and day
        },
        index=pd.MultiIndex.from_frame(rows[keys]),
    )
    pooled = work.groupby(level=list(range(len(keys)))).sum()
    pooled["base_mean"] = pooled["_sum"] / pooled["base_n"]
    var = (pooled["_sq"] - pooled["base_n"] * pooled["base_mean"] ** 2) / (pooled["base_n"] - 1)
    pooled["base_var"] = np.clip(var.where(pooled["base_n"] > 1), 0, None)
    return pooled.drop(columns=["_sum", "_sq"]).reset_index()
