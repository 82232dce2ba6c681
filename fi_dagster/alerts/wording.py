"""One regression in words: metric, baseline → current, interval, significance, where."""

from __future__ import annotations

import json
from typing import Any

from fi_dagster.stats.comparisons import WHOLE_TRACE_STAT

_NAMES = {
    "pass_rate": "pass rate",
    "json_validity_rate": "JSON validity rate",
    "mean_score": "mean judge score",
    "eval_error_rate": "eval error rate",
    "p50_latency_ms": "p50 latency",
    "p95_latency_ms": "p95 latency",
    "p99_latency_ms": "p99 latency",
    "cost_per_trace_usd": "cost per trace",
    "prompt_tokens_per_call": "prompt tokens per call",
}
_RATIOS = ("latency_ms", "cost_per_trace_usd", "prompt_tokens_per_call")


def fmt(metric: str, value: float | None) -> str:
    if value is None or value != value:
        return "n/a"
    if metric.endswith("rate"):
        return f"{value:.1%}"
    if metric == "mean_score":
        return f"{value:.2f}"
    if metric.startswith("cost"):
        return f"${value:,.4f}"
    if metric.endswith("latency_ms"):
        return f"{value:,.0f} ms"
    return f"{value:,.0f}"


def _subject(regression: dict[str, Any]) -> str:
    stat, metric = regression["evaluator_or_stat"], regression["metric"]
    if metric == "json_validity_rate":
        return _NAMES[metric]
    what = "trace" if stat == WHOLE_TRACE_STAT else stat
    return f"{what} {_NAMES.get(metric, metric)}"


def regression_line(regression: dict[str, Any], markdown: bool = True) -> str:
    """E.g. ``tool_args_llm p50 latency: 801 ms → 3,098 ms (×3.87, n=50, p=2e-24)``."""
    metric = regression["metric"]
    before, after = regression.get("baseline_value"), regression.get("current_value")
    subject = f"*{_subject(regression)}*" if markdown else _subject(regression)
    text = f"{subject}: {fmt(metric, before)} → {fmt(metric, after)}"
    if not markdown:
        return text
    details = json.loads(regression.get("attribution") or "{}")
    extras = []
    if metric.endswith(_RATIOS) and before and after:
        extras.append(f"×{after / before:.2f}")
    low, high = (details.get("interval") or [None, None])[:2]
    if low is not None and high is not None:
        extras.append(f"95% CI {fmt(metric, low)}–{fmt(metric, high)}")
    if details.get("n") is not None:
        extras.append(f"n={details['n']}")
    p_value = regression.get("p_value")
    if p_value is not None and p_value == p_value:
        extras.append(f"p={p_value:.2g}" if p_value >= 1e-16 else "p<1e-16")
    return text + (f" ({', '.join(extras)})" if extras else "")


def where_line(regression: dict[str, Any]) -> str:
    """The attribution sentence: where the regression comes from (may be empty)."""
    return json.loads(regression.get("attribution") or "{}").get("summary") or ""


def baseline_of(regressions: list[dict[str, Any]]) -> str | None:
    """The baseline the regressions were measured against (they share it)."""
    for regression in regressions:
        described = json.loads(regression.get("attribution") or "{}").get("baseline")
        if described:
            return described
    return None
