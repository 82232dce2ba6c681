"""Resolve the cohort columns (model, prompt_version, route, tenant) once per trace.

A trace belongs to one cohort. Each dimension is looked up, in order, on the root span, then
on the resource, then on any span of the trace (earliest first); ``route`` falls back to the
root span's name. The keys tried come from the configurable ``CohortMapping``.
"""

from __future__ import annotations

from typing import Any

import orjson
import pandas as pd

from fi_dagster.config import CohortMapping
from fi_dagster.traces import conventions as cv
from fi_dagster.traces.schema import COHORT_COLUMNS

_SPAN = "_cohort_span_"
_RESOURCE = "_cohort_resource_"
UNKNOWN_COHORT = "unknown"
CANDIDATE_COLUMNS = tuple(p + dim for p in (_SPAN, _RESOURCE) for dim in COHORT_COLUMNS)


def _lookup(attrs: dict[str, Any], key: str) -> Any:
    if key in attrs:
        return attrs[key]
    head, _, rest = key.partition(".")
    if head == cv.METADATA and rest and isinstance(attrs.get(cv.METADATA), str):
        try:
            meta = orjson.loads(attrs[cv.METADATA])
        except orjson.JSONDecodeError:
            return None
        return meta.get(rest) if isinstance(meta, dict) else None
    return None


def _first_value(attrs: dict[str, Any], keys: list[str]) -> str | None:
    for key in keys:
        value = _lookup(attrs, key)
        if value is not None and value != "":
            return str(value)
    return None


def span_candidates(attrs: dict[str, Any], mapping: CohortMapping) -> dict[str, str | None]:
    """The values a span's own attributes offer for each cohort dimension."""
    return {_SPAN + dim: _first_value(attrs, getattr(mapping, dim)) for dim in COHORT_COLUMNS}


def resource_candidates(resource: dict[str, Any], mapping: CohortMapping) -> dict[str, str | None]:
    """The values a resource offers (computed once per resource, not per span)."""
    return {
        _RESOURCE + dim: _first_value(resource, getattr(mapping, dim)) for dim in COHORT_COLUMNS
    }


def resolve_cohorts(spans: pd.DataFrame) -> pd.DataFrame:
    """Fill the cohort columns per trace from the candidate columns, then drop those."""
    if spans.empty:
        return spans.drop(columns=[c for c in CANDIDATE_COLUMNS if c in spans], errors="ignore")
    ordered = spans.sort_values(["trace_id", "start_time"], kind="stable")
    is_root = ordered["parent_span_id"].isna() | ~ordered["parent_span_id"].isin(ordered["span_id"])
    roots = ordered[is_root].groupby("trace_id", sort=False).first()
    any_span = ordered.groupby("trace_id", sort=False)
    resolved = pd.DataFrame(index=any_span.size().index)
    for dim in COHORT_COLUMNS:
        value = roots[_SPAN + dim].reindex(resolved.index)
        value = value.fillna(any_span[_RESOURCE + dim].first())
        value = value.fillna(any_span[_SPAN + dim].first())
        if dim == "route":
            value = value.fillna(roots["name"].reindex(resolved.index))
        resolved[dim] = value.fillna(UNKNOWN_COHORT)
    out = spans.drop(columns=list(CANDIDATE_COLUMNS) + list(COHORT_COLUMNS))
    return out.join(resolved, on="trace_id")
