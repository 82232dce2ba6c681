"""A ledger on a fresh warehouse with a clock the test moves, and a few regressions to page."""

from __future__ import annotations

import pandas as pd
import pytest
from alert_rows import Clock, regression

from fi_dagster.alerts.ledger import AlertLedger
from fi_dagster.warehouse.store import Warehouse


@pytest.fixture
def regressions() -> pd.DataFrame:
    """Two regressions of tenant=northwind (a slow step, a quality drop) and one of acme."""
    northwind = {"tenant": "northwind"}
    return pd.DataFrame(
        [
            regression(northwind, "p50_latency_ms", "tool_args_llm", 800.0, 3100.0, "88% from x"),
            regression(northwind, "pass_rate", "Groundedness", 0.95, 0.6, "spread across model"),
            regression({"tenant": "acme"}, "json_validity_rate", "JSONValidation", 0.98, 0.7),
        ]
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(warehouse_url: str, clock: Clock) -> AlertLedger:
    warehouse = Warehouse(warehouse_url)
    return AlertLedger(warehouse.engine, warehouse.table("fi_alerts"), clock)
