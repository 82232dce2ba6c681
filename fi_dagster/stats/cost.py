"""The daily cost table: what LLM calls cost per model × tenant × route, and judge spend.

`model` here is the model a call actually used (the span's own `span_model`), falling back
to the trace's cohort model. A call to a model with no price has cost NaN (unknown), never 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from fi_dagster.config import PriceOverride
from fi_dagster.stats.percentiles import grouped_quantiles
from fi_dagster.stats.prices import PriceTable

COST_KEYS = ("model", "tenant", "route")
COST_COLUMNS = (
    *COST_KEYS,
    "n_calls",
    "n_traces",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "price_known",
    "cost_per_trace_p50",
    "cost_per_trace_p95",
    "judge_cost_usd",
)
TRACE_COST_COLUMNS = (
    "trace_id",
    "n_calls",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "price_known",
)


def _column(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    return frame[name] if name in frame else pd.Series(default, index=frame.index, dtype=object)


def span_costs(
    spans: pd.DataFrame, on_date: str | date, overrides: Sequence[PriceOverride] = ()
) -> pd.DataFrame:
    """One row per LLM span: trace_id, span_id, model, tenant, route, tokens, `cost_usd`
    (NaN when the model has no price) and `price_known`. Missing token counts count as 0."""
    llm = spans[spans["span_kind"] == "LLM"]
    cohort_model = _column(llm, "model", None)
    model = _column(llm, "span_model", None).replace("", None).fillna(cohort_model)
    out = pd.DataFrame(
        {
            "trace_id": llm["trace_id"].to_numpy(),
            "span_id": _column(llm, "span_id", None).to_numpy(),
            "model": model.fillna("").to_numpy(dtype=object),
            "tenant": _column(llm, "tenant", "").fillna("").to_numpy(dtype=object),
            "route": _column(llm, "route", "").fillna("").to_numpy(dtype=object),
            "prompt_tokens": pd.to_numeric(llm["prompt_tokens"]).fillna(0).to_numpy(dtype=int),
            "completion_tokens": pd.to_numeric(llm["completion_tokens"])
            .fillna(0)
            .to_numpy(dtype=int),
        }
    )
    table = PriceTable.default()
    prices = {m: table.price_for(m, on_date, overrides) for m in out["model"].unique()}
    per_1m_in = out["model"].map(
        {m: p.input_per_1m_usd if p else np.nan for m, p in prices.items()}
    )
    per_1m_out = out["model"].map(
        {m: p.output_per_1m_usd if p else np.nan for m, p in prices.items()}
    )
    out["cost_usd"] = (
        out["prompt_tokens"] * per_1m_in.astype(float)
        + out["completion_tokens"] * per_1m_out.astype(float)
    ) / 1e6
    out["price_known"] = out["cost_usd"].notna()
    return out


def _totals(costs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Calls, tokens, known cost (NaN if nothing priced) and whether every call was priced."""
    grouped = costs.groupby(keys, sort=True)
    totals = grouped[["prompt_tokens", "completion_tokens"]].sum()
    totals.insert(0, "n_calls", grouped.size())
    totals["cost_usd"] = grouped["cost_usd"].sum(min_count=1)
    totals["price_known"] = grouped["price_known"].all()
    return totals


def trace_costs(
    spans: pd.DataFrame, on_date: str | date, overrides: Sequence[PriceOverride] = ()
) -> pd.DataFrame:
    """Per trace with LLM calls: calls, tokens, total known cost, and whether all were priced."""
    costs = span_costs(spans, on_date, overrides)
    return _totals(costs, ["trace_id"]).reset_index()[list(TRACE_COST_COLUMNS)]


def _per_trace_quantiles(costs: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """p50/p95 over a group's traces of what each trace spent in that group."""
    per_trace = costs.groupby([*keys, "trace_id"], sort=True)["cost_usd"].sum(min_count=1)
    per_trace = per_trace.dropna().reset_index()
    grouped = per_trace.groupby(keys, sort=True)
    q = grouped_quantiles(
        grouped.ngroup().to_numpy(), per_trace["cost_usd"].to_numpy(), grouped.ngroups, (0.5, 0.95)
    )
    return pd.DataFrame(
        {"cost_per_trace_p50": q[:, 0], "cost_per_trace_p95": q[:, 1]},
        index=grouped.size().index,
    )


def _judge_costs(costs: pd.DataFrame, eval_results: pd.DataFrame | None) -> pd.Series:
    """Judge spend per cost group, each result counted once.

    A result on an LLM span goes to that span's group; any other result to the group where
    its trace made most calls; a trace without LLM calls to its own cohort's group.
    """
    keys = list(COST_KEYS)
    if eval_results is None or "judge_cost_usd" not in eval_results or eval_results.empty:
        return pd.Series(dtype=float, name="judge_cost_usd")
    spent = eval_results[eval_results["judge_cost_usd"].notna()]
    own = pd.DataFrame({k: _column(spent, k, "").fillna("").to_numpy(dtype=object) for k in keys})
    own["trace_id"] = spent["trace_id"].to_numpy()
    own["span_id"] = _column(spent, "span_id", None).to_numpy()
    own["judge_cost_usd"] = spent["judge_cost_usd"].astype(float).to_numpy()
    by_span = costs[["trace_id", "span_id", *keys]].drop_duplicates(["trace_id", "span_id"])
    calls = costs.groupby(["trace_id", *keys]).size().rename("calls").reset_index()
    by_trace = calls.sort_values(["trace_id", "calls"], ascending=[True, False], kind="stable")
    by_trace = by_trace.drop_duplicates("trace_id")[["trace_id", *keys]]
    located = own.merge(by_span, on=["trace_id", "span_id"], how="left", suffixes=("", "_span"))
    located = located.merge(by_trace, on="trace_id", how="left", suffixes=("", "_trace"))
    for k in keys:
        located[k] = located[f"{k}_span"].fillna(located[f"{k}_trace"]).fillna(located[k])
    return located.groupby(keys, sort=True)["judge_cost_usd"].sum()


def cost_daily(
    spans: pd.DataFrame,
    eval_results: pd.DataFrame | None,
    on_date: str | date,
    overrides: Sequence[PriceOverride] = (),
) -> pd.DataFrame:
    """Per (model, tenant, route) of LLM calls: calls, traces, tokens, cost at list price,
    whether it was priced, per-trace cost p50/p95, and the judge spend on those traces."""
    keys = list(COST_KEYS)
    costs = span_costs(spans, on_date, overrides)
    table = _totals(costs, keys)
    table["n_traces"] = costs.groupby(keys, sort=True)["trace_id"].nunique()
    table = table.join(_per_trace_quantiles(costs, keys))
    judge = _judge_costs(costs, eval_results)
    table = table.join(judge, how="outer") if len(judge) else table.assign(judge_cost_usd=0.0)
    counts = ["n_calls", "n_traces", "prompt_tokens", "completion_tokens"]
    table[counts] = table[counts].fillna(0).astype(int)
    table["price_known"] = table["price_known"].fillna(True).astype(bool)
    table.loc[table["n_calls"] == 0, "cost_usd"] = 0.0
    table["judge_cost_usd"] = table["judge_cost_usd"].fillna(0.0)
    return table.reset_index()[list(COST_COLUMNS)]
