"""The code location loads as a user opens it: `dagster definitions validate` and the webserver."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from servers import postgres

from fi_dagster.demo import generate_day
from fi_dagster.storage.object_store import open_store
from fi_dagster.warehouse.store import Warehouse

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "FI_HOME": str(tmp_path / "fi")}
    env.pop("FI_CONFIG", None)
    return env


def test_definitions_validate_with_workspace(tmp_path):
    result = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful for code location fi_dagster" in result.stdout + result.stderr


QUERY = """
{
  assetNodes { assetKey { path } partitionDefinition { type } }
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes { name schedules { name cronSchedule } sensors { name } }
    }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _wait_until_serving(base: str, process: subprocess.Popen, deadline_s: float = 120) -> None:
    """Poll the webserver's /server_info until it answers (the server needs a few seconds)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"webserver exited: {process.stdout.read()}")
        try:
            with urllib.request.urlopen(base + "/server_info", timeout=2):
                return
        except OSError:
            time.sleep(0.25)  # polling interval, not a timing assumption
    raise AssertionError("webserver did not start")


@pytest.fixture
def webserver(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [
            str(BIN / "dagster-webserver"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-w",
            "workspace.yaml",
        ],
        cwd=REPO,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_webserver_lists_assets_partitions_schedule_and_sensors(webserver):
    data = _graphql(webserver + "/graphql", QUERY)["data"]
    assets = {"/".join(node["assetKey"]["path"]): node for node in data["assetNodes"]}
    expected = {
        "normalized_spans",
        "fi_ingest_daily",
        "trace_facts",
        "cohort_sample",
        "fi_eval_results",
        "fi_quality_daily",
        "fi_cost_daily",
        "fi_latency_daily",
        "fi_regressions",
        "fi_alerts",
    }
    assert expected <= set(assets)
    assert {assets[name]["partitionDefinition"]["type"] for name in expected} == {"TIME_WINDOW"}
    [repo] = data["repositoriesOrError"]["nodes"]
    schedules = {s["name"]: s["cronSchedule"] for s in repo["schedules"]}
    assert schedules.get("fi_nightly_schedule", "").startswith("0 3 ")
    sensors = {s["name"] for s in repo["sensors"]}
    assert {"fi_alert_retry_sensor", "fi_run_failure_sensor"} <= sensors


DAY = "2026-11-18"
FI_LOCATIONS = ("FI_TRACES_URI", "FI_WORK_URI", "FI_WAREHOUSE_URL")  # all under FI_HOME instead


@pytest.mark.postgres
def test_dagster_materializes_the_day_as_a_deployment_does(tmp_path, pg_url, nightly):
    """`dagster asset materialize` (as README says), on the shipped dagster.yaml (PostgreSQL):
    the code location's executor runs each step in its own process, forked from a server with
    fi_dagster preloaded, and the day's tables equal those of an in-process run."""
    fi_home = tmp_path / "fi"
    generate_day(open_store(str(fi_home / "traces")), date.fromisoformat(DAY), 120, seed=11)
    nightly.generate(DAY, traces=120, seed=11)
    [in_process] = nightly.run(DAY)
    assert in_process.success, in_process.error

    user = sa.engine.make_url(pg_url).username or "postgres"
    with postgres.temporary_database(user, "postgres") as dagster_db:
        home = tmp_path / "dagster_home"
        home.mkdir()
        shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
        env = {**_env(tmp_path), "DAGSTER_HOME": str(home), "FI_HOME": str(fi_home)}
        env["DAGSTER_PG_URL"] = dagster_db.replace("+psycopg2", "")
        for name in ("OPENAI_API_KEY", "SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN") + FI_LOCATIONS:
            env.pop(name, None)
        result = subprocess.run(
            [str(BIN / "dagster"), "asset", "materialize", "-m", "fi_dagster.definitions"]
            + ["--select", "*", "--partition", DAY],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

        instance = dg.DagsterInstance.from_config(str(home))
        try:
            [run] = instance.get_runs()
            assert run.status == dg.DagsterRunStatus.SUCCESS
            records = instance.all_logs(run.run_id)
        finally:
            instance.dispose()
    events = [r.dagster_event for r in records if r.dagster_event]
    started = [e for e in events if e.is_step_start]
    run_pid = next(e.pid for e in events if e.event_type == dg.DagsterEventType.RUN_SUCCESS)
    step_pids = {e.pid for e in started}
    assert len(started) >= 10 and len(step_pids) == len(started)  # a process per step
    assert run_pid not in step_pids

    deployed = Warehouse(f"sqlite:///{fi_home / 'warehouse.db'}")
    for table, key in (
        ("fi_eval_results", ["trace_id", "span_id", "evaluator"]),
        ("fi_quality_daily", ["model", "prompt_version", "route", "tenant", "evaluator"]),
    ):
        ours = deployed.read_partition(table, DAY).sort_values(key).reset_index(drop=True)
        theirs = nightly.table(table, DAY).sort_values(key).reset_index(drop=True)
        assert len(ours) > 0
        pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)


def executor_config(max_concurrent: int | None) -> dict:
    from fi_dagster.definitions import defs

    executor = defs.resolve_job_def("fi_nightly_job").executor_def
    mapped = executor.apply_config_mapping({"config": {"max_concurrent": max_concurrent}})
    return mapped.value["config"]


def test_the_code_location_forks_steps_from_a_preloaded_server():
    config = executor_config(3)
    assert config["max_concurrent"] == 3
    assert config["start_method"] == {"forkserver": {"preload_modules": ["fi_dagster.definitions"]}}


def test_without_a_forkserver_steps_are_spawned(monkeypatch):
    monkeypatch.setattr("multiprocessing.get_all_start_methods", lambda: ["spawn"])
    assert executor_config(None)["start_method"] == {"spawn": {}}
