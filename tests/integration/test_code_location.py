"""The code location loads as a user opens it: `dagster definitions validate` and the webserver."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
