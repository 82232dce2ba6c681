"""Where a regression comes from.

- Latency and cost: a trace-level change is split between span names using per-trace self
  time (or LLM cost) per step, which adds up to the trace's duration (cost): today's
  per-step values minus the baseline days' mean, as shares of the net change.
- Quality: within the flagged cohort, which value of each other cohort column carries the
  drop, compared with its share of the results.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from fi_dagster.stats.quality import ALL
from fi_dagster.stats.step_daily import WHOLE_TRACE
from fi_dagster.traces.schema import COHORT_COLUMNS

CONCENTRATED_SHARE = 0.5  # a value carrying at least half the drop …
CONCENTRATED_EXCESS = 0.25  # … and 25 points more than its share of the results


@dataclass(frozen=True)
class StepShare:
    step: str
    baseline: float
    current: float
    delta: float
    share: float | None  # of the net increase; None when nothing increased overall


@dataclass(frozen=True)
class Concentration:
    dimension: str
    value: str
    share_of_drop: float
    share_of_results: float
    concentrated: bool


def _cohort_rows(frame: pd.DataFrame, cohort: dict[str, str]) -> pd.DataFrame:
    match = pd.Series(True, index=frame.index)
    for column in COHORT_COLUMNS:
        match &= frame[column] == cohort.get(column, ALL)
    return frame[match]


def step_shares(
    today: pd.DataFrame, baseline: pd.DataFrame, cohort: dict[str, str], column: str
) -> list[StepShare]:
    """Per step of `cohort`, today's `column` (per trace) against its baseline-day mean,
    largest increase first; steps absent on a day count as 0 that day."""
    now = _cohort_rows(today, cohort)
    before = _cohort_rows(baseline, cohort)
    days = before.loc[before["step"] == WHOLE_TRACE, "partition_date"].unique()
    before = before[(before["step"] != WHOLE_TRACE) & before["partition_date"].isin(days)]
    if now.empty or len(days) == 0:
        return []
    by_day = before.pivot_table(
        index="partition_date", columns="step", values=column, aggfunc="sum", fill_value=0.0
    ).reindex(days, fill_value=0.0)
    base = by_day.mean()
    current = now[now["step"] != WHOLE_TRACE].groupby("step")[column].sum()
    steps = base.index.union(current.index)
    base, current = base.reindex(steps, fill_value=0.0), current.reindex(steps, fill_value=0.0)
    delta = (current - base).fillna(0.0)
    total = float(delta.sum())
    shares = [
        StepShare(s, float(base[s]), float(current[s]), float(delta[s]), _share(delta[s], total))
        for s in delta.sort_values(ascending=False).index
    ]
    return shares


def _share(delta: float, total: float) -> float | None:
    return float(delta / total) if total > 0 else None


def concentration(
    today: pd.DataFrame, baseline: pd.DataFrame, cohort: dict[str, str], evaluator: str
) -> list[Concentration]:
    """For each cohort column not fixed by `cohort`: the value carrying most of the pass-rate
    drop, its share of the drop and of today's results (needs the quality table's crossed
    roll-ups, e.g. tenant × model)."""
    now, before = _within(today, cohort, evaluator), _within(baseline, cohort, evaluator)
    found = []
    for dimension in (c for c in COHORT_COLUMNS if c not in cohort):
        rates = _breakdown(now, dimension).join(
            _breakdown(before, dimension)["rate"].rename("base_rate"), how="inner"
        )
        if rates.empty or rates["n"].sum() == 0:
            continue
        share = rates["n"] / rates["n"].sum()
        lost = share * (rates["base_rate"] - rates["rate"])
        if lost.sum() <= 0:
            continue
        top = lost.idxmax()
        of_drop, of_results = float(lost[top] / lost.sum()), float(share[top])
        hot = of_drop >= CONCENTRATED_SHARE and of_drop - of_results >= CONCENTRATED_EXCESS
        found.append(Concentration(dimension, str(top), of_drop, of_results, hot))
    return found


def _within(quality: pd.DataFrame, cohort: dict[str, str], evaluator: str) -> pd.DataFrame:
    """`evaluator`'s rated rows for `cohort` crossed with exactly one more cohort column."""
    rows = quality[(quality["evaluator"] == evaluator) & quality["pass_rate"].notna()]
    for column, value in cohort.items():
        rows = rows[rows[column] == value]
    free = [c for c in COHORT_COLUMNS if c not in cohort]
    return rows[(rows[free] != ALL).sum(axis=1) == 1]


def _breakdown(rows: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Pass rate (n-weighted over days) and n per value of `dimension`."""
    mine = rows[rows[dimension] != ALL]
    passes = (mine["pass_rate"] * mine["n"]).groupby(mine[dimension]).sum()
    n = mine["n"].groupby(mine[dimension]).sum()
    return pd.DataFrame({"rate": passes / n, "n": n})


def as_dicts(items: list) -> list[dict]:
    return [asdict(item) for item in items]
