"""From the day's tests to its regressions: multiple testing, thresholds and echoes.

A test is flagged when its Benjamini–Hochberg adjusted p-value is at most ``max_p_value``
and its effect reaches the metric's minimum. One change usually shows up in several
roll-ups at once (the tenant that broke, the day's total, the model that tenant uses) and
in several metrics (p50 and p99 of the same step); those echoes are folded into the flag
that tells the story best, instead of paging once each: the flags of the one cohort column
that localizes the change, or all traffic when none does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fi_dagster.stats.comparisons import WHOLE_TRACE_STAT, cohort_of, dimensions, family_of
from fi_dagster.stats.multiple_testing import benjamini_hochberg
from fi_dagster.stats.significance import z_score

_EPS = 1e-9
LOCAL_SHARE = 0.5  # flagged values of a column carrying more traffic than this are "everywhere"
SPARED_SHARE = 0.2  # … unless values carrying this much traffic clearly did not change


def significant(tests: pd.DataFrame, max_p_value: float) -> pd.DataFrame:
    """The tests that are both significant after BH (``p_value``) and large enough."""
    if tests.empty:
        return tests.assign(p_value=pd.Series(dtype=float))
    tests = tests.assign(p_value=benjamini_hochberg(tests["p_raw"].to_numpy(dtype=float)))
    keep = (tests["p_value"] <= max_p_value) & (tests["effect"] >= tests["min_effect"] - _EPS)
    return tests[keep].reset_index(drop=True)


def _echo(flag: pd.Series) -> dict[str, object]:
    return {
        "cohort": cohort_of(flag),
        "metric": flag["metric"],
        "baseline_value": float(flag["baseline_value"]),
        "current_value": float(flag["current_value"]),
        "p_value": float(flag["p_value"]),
    }


def _localizes(flagged: pd.DataFrame, tested: pd.DataFrame, total_n: float) -> float | None:
    """How much traffic one column's flagged values carry, if that column localizes the
    change (None if not): they carry at most ``LOCAL_SHARE`` of it, or values carrying at
    least ``SPARED_SHARE`` were tested and clearly spared (less than half the typical
    flagged effect)."""
    coverage = flagged.drop_duplicates("cohort_key")["n"].sum() / total_n
    typical = float(flagged["size"].median())
    others = tested[~tested["cohort_key"].isin(flagged["cohort_key"])]
    spared = others[others["size"] < typical / 2].drop_duplicates("cohort_key")
    if coverage <= LOCAL_SHARE or spared["n"].sum() / total_n >= SPARED_SHARE:
        return float(coverage)
    return None


def _locus(group: pd.DataFrame, tested: pd.DataFrame) -> str | None:
    """The cohort column whose flagged values explain the change, None for all traffic.

    Without a flag on all traffic, the column of the strongest flag. With one, the most
    specific column that localizes the change (see ``_localizes``), else all traffic.
    """
    total = group[group["dimension"].isna()]
    if total.empty:
        return group.at[group["strength"].idxmax(), "dimension"]
    metric = group.at[group["strength"].idxmax(), "metric"]
    same_metric = tested[tested["metric"] == metric]
    found = {}
    for dimension, flagged in group[group["dimension"].notna()].groupby("dimension"):
        candidates = same_metric[same_metric["dimension"] == dimension]
        coverage = _localizes(flagged, candidates, float(total["n"].max()))
        if coverage is not None:
            found[dimension] = coverage
    return min(found, key=found.get) if found else None


def _fold_group(group: pd.DataFrame, tested: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Keep the flags of the locus column (its other values are disjoint traffic, so not
    echoes), one metric per cohort; everything else becomes an echo of the strongest."""
    dimension = _locus(group, tested)
    same = group["dimension"].isna() if dimension is None else group["dimension"].eq(dimension)
    kept = group[same].sort_values("strength", ascending=False, kind="stable")
    kept = kept[~kept.duplicated("cohort_key")]
    top = kept.index[0]
    echoes = group.drop(index=kept.index)
    return kept, {top: [_echo(e) for _, e in echoes.iterrows()]}


def _described(tests: pd.DataFrame) -> pd.DataFrame:
    dimension, key = dimensions(tests)
    return tests.assign(
        family=[family_of(m) for m in tests["metric"]],
        dimension=dimension,
        cohort_key=key,
        size=tests["effect"] / tests["min_effect"],
    )


def fold_echoes(flags: pd.DataFrame, tests: pd.DataFrame) -> pd.DataFrame:
    """One flag per (family, stat) and cohort; adds ``also_flagged`` (a list per row).

    `tests` are all of the day's tests, flagged or not (to see which cohorts were spared).
    """
    if flags.empty:
        return flags.assign(also_flagged=pd.Series(dtype=object))
    flags = _described(flags)
    flags["strength"] = flags["size"] * [z_score(p) for p in flags["p_raw"]]
    tested = _described(tests)
    kept, echoes = [], {}
    for (family, stat), group in flags.groupby(["family", "stat"], sort=True):
        mine = tested[(tested["family"] == family) & (tested["stat"] == stat)]
        rows, group_echoes = _fold_group(group, mine)
        kept.append(rows)
        echoes.update(group_echoes)
    folded = pd.concat(kept)
    folded["also_flagged"] = [echoes.get(i, []) for i in folded.index]
    order = np.lexsort((-folded["strength"].to_numpy(), folded["family"].to_numpy()))
    columns = ["dimension", "cohort_key", "size"]
    return folded.iloc[order].drop(columns=columns).reset_index(drop=True)


def fold_containers(flags: pd.DataFrame) -> pd.DataFrame:
    """A slower span that only contains the slow step (its ``details`` name another
    ``responsible_step``) becomes an echo of that step's flag in the same cohort; the
    whole-trace flag stays (it says how much users felt)."""
    flags = flags.reset_index(drop=True)
    cohorts = [str(sorted(cohort_of(r).items())) for _, r in flags.iterrows()]
    keys = zip(cohorts, flags["family"], flags["stat"], strict=True)
    where = {key: i for i, key in enumerate(keys)}
    dropped = []
    for i, flag in flags.iterrows():
        cause = flag["details"].get("responsible_step")
        target = where.get((cohorts[i], flag["family"], cause))
        container = flag["stat"] not in (cause, WHOLE_TRACE_STAT)
        if flag["family"] == "latency" and container and target is not None:
            flags.at[target, "also_flagged"] = [*flags.at[target, "also_flagged"], _echo(flag)]
            dropped.append(i)
    return flags.drop(index=dropped).reset_index(drop=True)
