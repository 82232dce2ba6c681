"""Resolve the cohort columns (model, prompt_version, route, tenant) once per trace.

A trace belongs to one cohort. Each dimension is looked up, in order, on the root span, then
on the resource of any of its spans, then on any span (earliest start first); ``route`` falls
back to the root span's name, and what is still missing is "unknown". The root is the span
without a parent (the earliest, if several); when the day holds none for a trace (the root was
lost or lands in another day), its earliest span stands in. The keys tried come from the
configurable ``CohortMapping``.

Spans are observed one at a time as they stream past; the resolver keeps a few values per
trace, never the spans, so memory grows with the number of traces only.
"""

from __future__ import annotations

from typing import Any

import orjson

from fi_dagster.config import CohortMapping
from fi_dagster.traces import conventions as cv
from fi_dagster.traces.schema import COHORT_COLUMNS

UNKNOWN_COHORT = "unknown"
Cohort = tuple[str, str, str, str]  # in COHORT_COLUMNS order
_ROUTE = COHORT_COLUMNS.index("route")
_RESOURCE, _SPAN = 0, 1  # fallback levels: a resource value beats any span's value
_NO_ROOT = (2, 0)  # sorts after every real root candidate


class _TraceState:
    __slots__ = ("fallback", "root_name", "root_rank", "root_values")

    def __init__(self) -> None:
        self.root_rank: tuple[int, int] = _NO_ROOT  # (0 true root | 1 stand-in, start_ns)
        self.root_name: str | None = None
        self.root_values: tuple[str | None, ...] = (None,) * len(COHORT_COLUMNS)
        self.fallback: list[tuple[int, int, str] | None] = [None] * len(COHORT_COLUMNS)


_META_PREFIX = cv.METADATA + "."
_UNPARSED: dict[str, Any] = {}


def _metadata(attrs: dict[str, Any]) -> dict[str, Any]:
    """The ``metadata`` attribute (a JSON object as text) parsed; {} when absent or bad."""
    raw = attrs.get(cv.METADATA)
    if not isinstance(raw, str):
        return raw if isinstance(raw, dict) else {}
    try:
        meta = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return meta if isinstance(meta, dict) else {}


class CohortResolver:
    """Observe spans one by one; ``resolved()`` then gives each trace its cohort."""

    def __init__(self, mapping: CohortMapping) -> None:
        # per dimension: (key, name inside `metadata` for "metadata.<name>" keys, else None)
        self._keys = [
            tuple((k, k[len(_META_PREFIX) :] if k.startswith(_META_PREFIX) else None) for k in keys)
            for keys in (getattr(mapping, dim) for dim in COHORT_COLUMNS)
        ]
        self._traces: dict[str, _TraceState] = {}
        self._interned: dict[str, str] = {}  # one string object per distinct cohort value

    def __len__(self) -> int:
        return len(self._traces)

    def values(self, attrs: dict[str, Any]) -> tuple[str | None, ...]:
        """What these attributes (a span's or a resource's) offer for each dimension.

        ``metadata.<name>`` keys look inside the ``metadata`` JSON attribute (parsed once).
        """
        out: list[str | None] = []
        get, meta = attrs.get, _UNPARSED
        for keys in self._keys:
            found = None
            for key, inner in keys:
                value = get(key)
                if value is None and inner is not None:
                    if meta is _UNPARSED:
                        meta = _metadata(attrs)
                    value = meta.get(inner)
                if value is not None and value != "":
                    text = value if value.__class__ is str else str(value)
                    found = self._interned.setdefault(text, text)
                    break
            out.append(found)
        return tuple(out)

    def observe(
        self,
        trace_id: str,
        is_root: bool,
        start_ns: int,
        name: str,
        attrs: dict[str, Any],
        resource_values: tuple[str | None, ...],
        own: tuple[str | None, ...] | None = None,
    ) -> None:
        """Account for one span of ``trace_id`` (``resource_values`` from ``values()``).

        The span's own values (``own``, or looked up in ``attrs``) are only computed when
        they could still matter.
        """
        state = self._traces.get(trace_id)
        if state is None:
            state = self._traces[trace_id] = _TraceState()
        if (0 if is_root else 1, start_ns) < state.root_rank:
            own = own or self.values(attrs)
            state.root_rank, state.root_name, state.root_values = (
                (0 if is_root else 1, start_ns),
                name,
                own,
            )
        fallback = state.fallback
        for i, resource in enumerate(resource_values):
            held = fallback[i]
            if resource is not None and (held is None or held[0] == _SPAN or start_ns < held[1]):
                fallback[i] = held = (_RESOURCE, start_ns, resource)
            if held is None or (held[0] == _SPAN and start_ns < held[1]):
                own = own or self.values(attrs)
                if own[i] is not None:
                    fallback[i] = (_SPAN, start_ns, own[i])

    def resolve_all(self) -> dict[str, Cohort]:
        """trace_id → cohort values, every dimension filled (``"unknown"`` at worst).

        Replaces each trace's state in place, so memory does not double at the end of a day.
        """
        traces: dict[str, Any] = self._traces
        for trace_id, state in traces.items():
            traces[trace_id] = _resolve(state)
        self._traces = {}
        return traces


def _resolve(state: _TraceState) -> Cohort:
    out = []
    for i, root_value in enumerate(state.root_values):
        value = root_value
        if value is None and state.fallback[i] is not None:
            value = state.fallback[i][2]
        if value is None and i == _ROUTE:
            value = state.root_name or None
        out.append(value or UNKNOWN_COHORT)
    return tuple(out)  # type: ignore[return-value]
