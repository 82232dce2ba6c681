"""The nightly graph on two real Celery workers (RabbitMQ on 127.0.0.1), Postgres-backed Dagster."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from servers import postgres

from fi_dagster.demo import generate_day
from fi_dagster.storage.object_store import open_store

REPO = Path(__file__).resolve().parents[2]
DAY = "2026-11-14"
BROKER = "pyamqp://guest:guest@127.0.0.1:5672//"
WORKERS = ("fi-test-w1", "fi-test-w2")

pytestmark = pytest.mark.postgres


def _rabbitmq_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
        return True
    except OSError:
        return False


@pytest.fixture
def deployment(tmp_path, pg_url, monkeypatch):
    """Env shared by this process (the run) and the workers: stores, warehouse, instance, broker."""
    if not _rabbitmq_up():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("RabbitMQ is not reachable on 127.0.0.1:5672; .ci/run must start it")
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")
    user = sa.engine.make_url(pg_url).username or "postgres"
    with postgres.temporary_database(user, "postgres") as dagster_db:
        home = tmp_path / "dagster_home"
        home.mkdir()
        shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
        env = {
            "DAGSTER_HOME": str(home),
            "DAGSTER_PG_URL": dagster_db.replace("+psycopg2", ""),
            "FI_HOME": str(tmp_path / "fi"),
            "FI_TRACES_URI": str(tmp_path / "traces"),
            "FI_WORK_URI": str(tmp_path / "work"),
            "FI_WAREHOUSE_URL": pg_url,
            "CELERY_BROKER_URL": BROKER,
            "CELERY_RESULT_BACKEND": "rpc://",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        for name in ("OPENAI_API_KEY", "SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN", "FI_CONFIG"):
            monkeypatch.delenv(name, raising=False)
        yield tmp_path


def _wait_for_workers(app, names: tuple[str, ...], deadline_s: float = 90) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        seen = {name.split("@")[0] for reply in replies for name in reply}
        if set(names) <= seen:
            return
    raise AssertionError(f"workers {names} did not answer a ping")


@pytest.fixture
def workers(deployment):
    from fi_dagster.celery_app import app, worker_command

    app.control.purge()  # nothing left over from an aborted earlier run
    processes = [
        subprocess.Popen(
            worker_command(name, sys.executable),
            cwd=deployment,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name in WORKERS
    ]
    try:
        _wait_for_workers(app, WORKERS)
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


def _worker_of_each_step(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    ran_in = {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or not event.is_engine_event or not record.step_key:
            continue
        metadata = event.engine_event_data.metadata or {}
        if "Celery worker" in metadata:
            ran_in[record.step_key] = metadata["Celery worker"].value
    return ran_in


def test_partition_runs_on_two_celery_workers(deployment, workers):
    from fi_dagster.distributed import launch_on_celery

    generated = generate_day(
        open_store(os.environ["FI_TRACES_URI"]), date.fromisoformat(DAY), 120, seed=5
    )
    instance = dg.DagsterInstance.get()

    result = launch_on_celery(DAY, instance)

    assert result.success
    ran_in = _worker_of_each_step(instance, result.run_id)
    steps = {e.step_key for e in result.all_events if e.is_step_success}
    assert steps and steps == set(ran_in), "every step must report the worker that ran it"
    assert {worker.split("@")[0] for worker in ran_in.values()} == set(WORKERS)
    with sa.create_engine(os.environ["FI_WAREHOUSE_URL"]).connect() as conn:
        spans = conn.execute(
            sa.text("SELECT sum(spans) FROM fi_ingest_daily WHERE partition_date = :d"), {"d": DAY}
        ).scalar()
        quality = conn.execute(
            sa.text("SELECT count(*) FROM fi_quality_daily WHERE partition_date = :d"), {"d": DAY}
        ).scalar()
    assert spans == generated.spans and quality > 0
    instance.dispose()
