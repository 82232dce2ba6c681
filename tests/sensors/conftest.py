"""A small deployment for sensor ticks: a temp Dagster instance, a SQLite warehouse seeded
with eight days of daily tables (yesterday regressed for tenant=northwind), Slack on loopback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from regression_days import Change, quality_day, steps_day

from fi_dagster.assets.alerts import fi_alerts
from fi_dagster.assets.regressions import fi_regressions
from fi_dagster.resources import (
    AlertsResource,
    FiConfigResource,
    ObjectStoresResource,
    WarehouseIOManager,
    WarehouseResource,
)
from fi_dagster.warehouse.store import Warehouse

REGRESSED = Change(
    pass_rates={("Groundedness", "northwind"): 0.5}, slow={("search", "northwind"): 4.0}
)


@dataclass
class Deployment:
    instance: dg.DagsterInstance
    warehouse: Warehouse
    resources: dict
    days: list[str]

    @property
    def yesterday(self) -> str:
        return self.days[-1]

    def materialize(self, *assets, day: str | None = None) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            list(assets) or [fi_regressions],
            partition_key=day or self.yesterday,
            instance=self.instance,
            resources=self.resources,
        )

    def alerts(self) -> list[dict]:
        with self.warehouse.engine.connect() as conn:
            rows = conn.execute(sa.select(self.warehouse.table("fi_alerts"))).mappings()
            return [dict(r) for r in rows]

    def expire_backoffs(self) -> None:
        """What waiting for the backoff would do: every pending alert is due again."""
        table = self.warehouse.table("fi_alerts")
        with self.warehouse.engine.begin() as conn:
            conn.execute(table.update().values(next_attempt_at=None))


@pytest.fixture(scope="module")
def history() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Eight days of (quality, step) tables ending yesterday; yesterday regressed."""
    today = datetime.now(UTC).date()
    days = [(today - timedelta(days=8 - i)).isoformat() for i in range(8)]
    rng = np.random.default_rng(7)
    return {
        day: (
            quality_day(day, rng, change=REGRESSED if day == days[-1] else None),
            steps_day(day, rng, 500, REGRESSED if day == days[-1] else None),
        )
        for day in days
    }


@pytest.fixture
def deployment(tmp_path: Path, slack_receiver, monkeypatch, history) -> Deployment:
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack_receiver.webhook_url)
    for name in ("FI_DAGSTER_URL", "SLACK_BOT_TOKEN", "FI_SLACK_CHANNEL", "FI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    warehouse = Warehouse(url)
    for day, (quality, steps) in history.items():
        warehouse.replace_partition("fi_quality_daily", day, quality)
        warehouse.replace_partition("fi_step_daily", day, steps)
    days = list(history)
    resources = {
        "warehouse": WarehouseResource(url=url),
        "alerts": AlertsResource(file_path=str(tmp_path / "alerts.jsonl")),
        "fi_config": FiConfigResource(),
        "stores": ObjectStoresResource(traces_uri=str(tmp_path / "traces")),
        "warehouse_io_manager": WarehouseIOManager(url=url),
    }
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        yield Deployment(instance, warehouse, resources, days)


__all__ = ["Deployment", "fi_alerts", "fi_regressions"]
