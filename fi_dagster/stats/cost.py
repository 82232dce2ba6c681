"""The daily cost table: what LLM calls cost per model × tenant × route, and judge spend.

`model` is the model a call actually used (the span's own `span_model`), falling back to the
trace's cohort model. Cached prompt tokens and reasoning tokens are priced at their own rates
when the span reports them (see ``prices.py``). A call to a model with no price costs NaN
(unknown), never 0: a row's `cost_usd` sums its priced calls, and `price_known` is false
when any of its calls was not priced (their tokens still count).

Roll-ups follow the quality table: ``*`` in model, tenant or route means every value of it,
and every combination is present, so the whole day is the row with all three ``*``. Traces
and per-trace percentiles do not add up, which is why the roll-ups are computed here.

`judge_cost_usd` is what judging the row's traces cost, repriced from the judge's tokens
with the same table and overrides; NaN when the judge model has no price.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import combinations

import numpy as np
import pandas as pd

from fi_dagster.config import PriceOverride
from fi_dagster.stats.percentiles import KeyCodes, grouped_quantiles
from fi_dagster.stats.prices import PriceTable
from fi_dagster.stats.quality import ALL

COST_KEYS = ("model", "tenant", "route")
TOKEN_COLUMNS = ("prompt_tokens", "completion_tokens", "cached_prompt_tokens", "reasoning_tokens")
COST_COLUMNS = (
    *COST_KEYS,
    "n_calls",
    "n_traces",
    *TOKEN_COLUMNS,
    "cost_usd",
    "price_known",
    "cost_per_trace_p50",
    "cost_per_trace_p95",
    "judge_cost_usd",
)
SPAN_INPUTS = ("trace_id", "span_id", "span_kind", "span_model", *COST_KEYS, *TOKEN_COLUMNS)
SPAN_COST_COLUMNS = ("trace_id", "span_id", *COST_KEYS, *TOKEN_COLUMNS, "cost_usd", "price_known")
TRACE_COST_COLUMNS = ("trace_id", "n_calls", *TOKEN_COLUMNS, "cost_usd", "price_known")
GROUPING_SETS: tuple[tuple[str, ...], ...] = tuple(
    dims for k in range(len(COST_KEYS), -1, -1) for dims in combinations(COST_KEYS, k)
)


def _column(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    return frame[name] if name in frame else pd.Series(default, index=frame.index, dtype=object)


def _tokens(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A token count column as int64, 0 where missing (absent columns are all 0)."""
    if name not in frame:
        return np.zeros(len(frame), dtype=np.int64)
    return pd.to_numeric(frame[name], errors="coerce").fillna(0).to_numpy(dtype=np.int64)


def _priced(
    models: pd.Series | np.ndarray,
    tokens: dict[str, np.ndarray],
    on_date: str | date,
    overrides: Sequence[PriceOverride],
) -> np.ndarray:
    """USD per call at the price in force for its model; NaN where the model is unpriced."""
    codes, uniques = pd.factorize(models)
    cost = np.full(len(models), np.nan)
    table = PriceTable.default()
    for i, model in enumerate(uniques):
        price = table.price_for(model, on_date, overrides)
        if price is not None:
            rows = np.flatnonzero(codes == i)
            cost[rows] = price.cost(*(tokens[name][rows] for name in TOKEN_COLUMNS))
    return cost


def span_costs(
    spans: pd.DataFrame, on_date: str | date, overrides: Sequence[PriceOverride] = ()
) -> pd.DataFrame:
    """One row per LLM span: trace, span, cost keys, tokens (missing counts are 0),
    `cost_usd` (NaN when the model has no price) and `price_known`."""
    llm = spans[spans["span_kind"] == "LLM"].reset_index(drop=True)
    cohort_model = _column(llm, "model", None)
    model = _column(llm, "span_model", None).replace("", None).fillna(cohort_model)
    out = pd.DataFrame(
        {
            "trace_id": llm["trace_id"],
            "span_id": _column(llm, "span_id", None),
            "model": model.fillna(""),
            "tenant": _column(llm, "tenant", "").fillna(""),
            "route": _column(llm, "route", "").fillna(""),
            **{name: _tokens(llm, name) for name in TOKEN_COLUMNS},
        }
    )
    tokens = {name: out[name].to_numpy() for name in TOKEN_COLUMNS}
    out["cost_usd"] = _priced(out["model"], tokens, on_date, overrides)
    out["price_known"] = out["cost_usd"].notna()
    return out


def trace_costs(
    spans: pd.DataFrame, on_date: str | date, overrides: Sequence[PriceOverride] = ()
) -> pd.DataFrame:
    """Per trace with LLM calls: calls, tokens, total priced cost, and whether all were priced."""
    costs = span_costs(spans, on_date, overrides)
    grouped = costs.groupby("trace_id", sort=True)
    totals = grouped[list(TOKEN_COLUMNS)].sum()
    totals.insert(0, "n_calls", grouped.size())
    totals["cost_usd"] = grouped["cost_usd"].sum(min_count=1)
    totals["price_known"] = grouped["price_known"].all()
    return totals.reset_index()[list(TRACE_COST_COLUMNS)]


def _call_totals(costs: pd.DataFrame, group: np.ndarray, trace: np.ndarray) -> pd.DataFrame:
    """Per group code: calls, traces, tokens, priced cost and per-trace cost p50/p95."""
    groups, g = np.unique(group, return_inverse=True)
    size = len(groups)
    cost = costs["cost_usd"].to_numpy(dtype=float)
    known = ~np.isnan(cost)
    priced = np.where(known, cost, 0.0)
    n_calls = np.bincount(g, minlength=size)
    n_known = np.bincount(g, weights=known, minlength=size)
    out = pd.DataFrame({"group": groups, "n_calls": n_calls})
    for name in TOKEN_COLUMNS:
        out[name] = np.bincount(g, weights=costs[name].to_numpy(), minlength=size).astype(np.int64)
    out["cost_usd"] = np.where(n_known > 0, np.bincount(g, weights=priced, minlength=size), np.nan)
    out["price_known"] = n_known == n_calls
    pairs, p = np.unique(g * (trace.max() + 1) + trace, return_inverse=True)
    pair_group = pairs // (trace.max() + 1)
    out["n_traces"] = np.bincount(pair_group, minlength=size)
    per_trace = np.bincount(p, weights=priced, minlength=len(pairs))
    complete = np.bincount(p, weights=~known, minlength=len(pairs)) == 0
    q = grouped_quantiles(pair_group[complete], per_trace[complete], size, (0.5, 0.95))
    out["cost_per_trace_p50"], out["cost_per_trace_p95"] = q[:, 0], q[:, 1]
    return out


def _calls_table(costs: pd.DataFrame) -> pd.DataFrame:
    """The call side of the table for every grouping set, keyed by the cost keys."""
    keys = KeyCodes([costs[k] for k in COST_KEYS], rolled_up=ALL)
    trace = pd.factorize(costs["trace_id"])[0].astype(np.int64)
    tables = []
    for dims in GROUPING_SETS:
        totals = _call_totals(costs, keys.combine([k in dims for k in COST_KEYS]), trace)
        labels = keys.labels(totals.pop("group").to_numpy())
        tables.append(totals.assign(**dict(zip(COST_KEYS, labels, strict=True))))
    return pd.concat(tables, ignore_index=True)


def _judge_calls(eval_results: pd.DataFrame) -> pd.DataFrame:
    """Results that called a judge: those naming a judge model (else those with a cost)."""
    marker = "judge_model" if "judge_model" in eval_results else "judge_cost_usd"
    return eval_results[_column(eval_results, marker, None).notna()]


def _repriced(
    judged: pd.DataFrame, on_date: str | date, overrides: Sequence[PriceOverride]
) -> np.ndarray:
    """Each judge call at the day's price for its tokens; no tokens (a cached verdict) is $0."""
    tokens = {name: np.zeros(len(judged), dtype=np.int64) for name in TOKEN_COLUMNS}
    tokens["prompt_tokens"] = _tokens(judged, "judge_prompt_tokens")
    tokens["completion_tokens"] = _tokens(judged, "judge_completion_tokens")
    cost = _priced(judged["judge_model"].to_numpy(dtype=object), tokens, on_date, overrides)
    no_tokens = (tokens["prompt_tokens"] == 0) & (tokens["completion_tokens"] == 0)
    return np.where(no_tokens, 0.0, cost)


def judge_spend(
    eval_results: pd.DataFrame | None,
    on_date: str | date,
    overrides: Sequence[PriceOverride] = (),
) -> pd.DataFrame:
    """One row per result that called a judge: trace, span, cohort keys, `judge_cost_usd`.

    The cost is repriced from the judge model and tokens, so configured overrides apply to
    judge spend too; without those columns the stored `judge_cost_usd` is used.
    """
    columns = ["trace_id", "span_id", *COST_KEYS, "judge_cost_usd"]
    if eval_results is None or eval_results.empty:
        return pd.DataFrame(columns=columns)
    judged = _judge_calls(eval_results)
    out = pd.DataFrame(
        {k: _column(judged, k, "").fillna("").to_numpy(dtype=object) for k in COST_KEYS}
    )
    out.insert(0, "trace_id", judged["trace_id"].to_numpy())
    out.insert(1, "span_id", _column(judged, "span_id", None).to_numpy())
    if {"judge_model", "judge_prompt_tokens", "judge_completion_tokens"} <= set(judged.columns):
        out["judge_cost_usd"] = _repriced(judged, on_date, overrides)
    else:
        out["judge_cost_usd"] = pd.to_numeric(_column(judged, "judge_cost_usd", np.nan)).to_numpy()
    return out[columns]


def _locate_judged(costs: pd.DataFrame, judged: pd.DataFrame) -> pd.DataFrame:
    """Cost keys of each judged result: its LLM span's, else those of the group where its
    trace made most calls, else (a trace without LLM calls) its own cohort's."""
    keys = list(COST_KEYS)
    judged_traces = pd.Index(judged["trace_id"].unique())
    costs = costs[judged_traces.get_indexer(costs["trace_id"]) >= 0]  # the sample: a few %
    by_span = costs[["trace_id", "span_id", *keys]].drop_duplicates(["trace_id", "span_id"])
    calls = costs.groupby(["trace_id", *keys]).size().rename("calls").reset_index()
    by_trace = calls.sort_values(["trace_id", "calls"], ascending=[True, False], kind="stable")
    by_trace = by_trace.drop_duplicates("trace_id")[["trace_id", *keys]]
    located = judged.merge(by_span, on=["trace_id", "span_id"], how="left", suffixes=("", "_s"))
    located = located.merge(by_trace, on="trace_id", how="left", suffixes=("", "_t"))
    for k in keys:
        located[k] = located[f"{k}_s"].fillna(located[f"{k}_t"]).fillna(located[k])
    return located[[*keys, "judge_cost_usd"]]


def _judge_table(located: pd.DataFrame) -> pd.DataFrame:
    """Judge spend and judged results for every grouping set, keyed by the cost keys."""
    keys = list(COST_KEYS)
    tables = [
        located.assign(**{k: ALL for k in keys if k not in dims})
        .groupby(keys, sort=False)["judge_cost_usd"]
        .agg(judge_cost_usd=lambda s: s.sum(min_count=1), judged="size")
        .reset_index()
        for dims in GROUPING_SETS
    ]
    return pd.concat(tables, ignore_index=True)


def cost_daily(
    spans: pd.DataFrame,
    eval_results: pd.DataFrame | None,
    on_date: str | date,
    overrides: Sequence[PriceOverride] = (),
) -> pd.DataFrame:
    """Per (model, tenant, route) and every ``*`` roll-up: calls, traces, tokens, priced cost,
    `price_known`, per-trace cost p50/p95 and the judge spend on those traces.

    Per-trace percentiles cover the traces whose calls in the row were all priced.
    """
    keys = list(COST_KEYS)
    costs = span_costs(spans, on_date, overrides)
    judged = judge_spend(eval_results, on_date, overrides)
    if costs.empty and judged.empty:
        return pd.DataFrame(columns=list(COST_COLUMNS))
    calls = _calls_table(costs) if len(costs) else pd.DataFrame(columns=[*keys, "n_calls"])
    judge = _judge_table(_locate_judged(costs, judged)) if len(judged) else None
    table = calls if judge is None else calls.merge(judge, on=keys, how="outer")
    counts = ["n_calls", "n_traces", *TOKEN_COLUMNS]
    table = table.reindex(columns=[*COST_COLUMNS, "judged"])
    table[counts] = table[counts].fillna(0).astype(np.int64)
    table["price_known"] = table["price_known"].fillna(True).astype(bool)
    table.loc[table["n_calls"] == 0, "cost_usd"] = 0.0
    no_judge = table["judged"].fillna(0) == 0
    table["judge_cost_usd"] = table["judge_cost_usd"].astype(float).mask(no_judge, 0.0)
    stars = (table[keys] == ALL).sum(axis=1)
    table = table.assign(_stars=stars).sort_values(["_stars", *keys], kind="stable")
    return table[list(COST_COLUMNS)].reset_index(drop=True)
