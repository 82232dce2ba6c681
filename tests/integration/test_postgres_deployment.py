"""A team deployment: warehouse and Dagster instance storage on the local PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from servers import postgres

from fi_dagster.resources import WarehouseIOManager, WarehouseResource

REPO = Path(__file__).resolve().parents[2]
DAY = "2026-11-12"

pytestmark = pytest.mark.postgres


@pytest.fixture
def dagster_pg_url(pg_url: str):
    """A second throwaway database for Dagster's run/event/schedule storage."""
    user = sa.engine.make_url(pg_url).username or "postgres"
    with postgres.temporary_database(user, "postgres") as url:
        yield url.replace("postgresql+psycopg2://", "postgresql://")


def test_partition_runs_with_postgres_warehouse_and_instance(
    nightly, pg_clean_url, dagster_pg_url, tmp_path, monkeypatch
):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")  # the shipped production config
    monkeypatch.setenv("DAGSTER_PG_URL", dagster_pg_url)
    instance = dg.DagsterInstance.from_config(str(home))
    nightly.instance = instance
    nightly.resources["warehouse"] = WarehouseResource(url=pg_clean_url)
    nightly.resources["warehouse_io_manager"] = WarehouseIOManager(url=pg_clean_url)
    generated = nightly.generate(DAY, traces=80)

    [outcome] = nightly.run(DAY)

    assert outcome.success, outcome.error
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert run_tags_of(instance, outcome.run_id)["fi_dagster/judge"] == "llm"
    [run] = instance.get_runs()
    assert run.run_id == outcome.run_id and run.tags["dagster/partition"] == DAY
    with sa.create_engine(dagster_pg_url).connect() as conn:
        stored = conn.execute(sa.text("SELECT run_id FROM runs")).scalars().all()
        materialized = conn.execute(
            sa.text(
                "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'"
            )
        ).scalar()
    assert stored == [outcome.run_id]
    assert materialized >= 9  # every asset of the graph
    with sa.create_engine(pg_clean_url).connect() as conn:
        spans = conn.execute(
            sa.text("SELECT sum(spans) FROM fi_ingest_daily WHERE partition_date = :d"), {"d": DAY}
        ).scalar()
    assert spans == generated.spans
    instance.dispose()


def run_tags_of(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    return dict(instance.get_run_by_id(run_id).tags)


def test_shipped_instance_config_queues_and_limits_judge_runs(
    dagster_pg_url, tmp_path, monkeypatch
):
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_PG_URL", dagster_pg_url)
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        queue = instance.get_concurrency_config().run_queue_config
        assert {
            "key": "fi_dagster/judge",
            "value": "llm",
            "limit": 2,
        } in queue.tag_concurrency_limits
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    finally:
        instance.dispose()
