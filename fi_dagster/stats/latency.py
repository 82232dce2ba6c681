"""The daily latency table: exact percentiles per span kind × span name × model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fi_dagster.stats.percentiles import grouped_quantiles

LATENCY_KEYS = ("span_kind", "span_name", "model")
LATENCY_COLUMNS = (*LATENCY_KEYS, "n", "p50_ms", "p95_ms", "p99_ms", "max_ms", "error_rate")
_QUANTILES = (0.50, 0.95, 0.99, 1.0)


def latency_daily(spans: pd.DataFrame) -> pd.DataFrame:
    """Per (span_kind, span_name, model): span count, exact p50/p95/p99/max of `latency_ms`
    over the day (numpy linear interpolation) and the share of spans with status ERROR.

    `model` is the span's own model (`span_model`), "" when the span names none.
    Spans without a latency count in `n` and `error_rate` but not in the percentiles.
    """
    if spans.empty:
        return pd.DataFrame(columns=list(LATENCY_COLUMNS))
    span_model = spans["span_model"] if "span_model" in spans else pd.Series("", index=spans.index)
    keys = pd.DataFrame(
        {
            "span_kind": spans["span_kind"].fillna("UNKNOWN"),
            "span_name": spans["name"].fillna(""),
            "model": span_model.fillna(""),
        }
    )
    grouped = keys.groupby(list(LATENCY_KEYS), sort=True)
    codes = grouped.ngroup().to_numpy()
    out = grouped.size().reset_index(name="n")
    n_groups = len(out)

    errors = (spans["status"] == "ERROR").fillna(False).to_numpy(dtype=float)
    out["error_rate"] = np.bincount(codes, weights=errors, minlength=n_groups) / out["n"]
    latency = pd.to_numeric(spans["latency_ms"], errors="coerce").to_numpy(dtype=float)
    timed = ~np.isnan(latency)
    q = grouped_quantiles(codes[timed], latency[timed], n_groups, _QUANTILES)
    out["p50_ms"], out["p95_ms"], out["p99_ms"], out["max_ms"] = q.T
    return out[list(LATENCY_COLUMNS)]
