"""The synthetic app's routes; each builds one trace rooted in one span."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fi_dagster.demo.scenarios import extract_invoice, rag_qa, support_agent
from fi_dagster.demo.trace_context import TraceContext


@dataclass(frozen=True)
class Scenario:
    """How to build a route's trace, and which service and instrumentation emit its root."""

    build: Callable[[TraceContext], dict[str, Any]]
    root_kind: str
    service: str
    scope: str


SCENARIOS = {
    module.ROUTE: Scenario(
        getattr(module, module.ROUTE), module.ROOT_KIND, module.SERVICE, module.SCOPE
    )
    for module in (support_agent, rag_qa, extract_invoice)
}
