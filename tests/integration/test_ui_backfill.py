"""A backfill is a click in the Dagster UI: the UI's mutation, `dagster dev`'s daemon, every day.

The instance is the shipped dagster.yaml on a throwaway PostgreSQL database, so the backfill's
runs go through the deployment's run queue, run limits and judge pool, and the webserver, the
daemon, the run workers and their step processes all write one database that takes concurrent
writers.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from servers import postgres
from test_code_location import BIN, FI_LOCATIONS, REPO, _env, _free_port

from fi_dagster.config import RegressionConfig
from fi_dagster.demo import generate_day
from fi_dagster.storage.object_store import open_store
from fi_dagster.warehouse.store import Warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]

DAYS = ["2026-11-20", "2026-11-21", "2026-11-22"]
TRACES_PER_DAY = 60
BACKFILL_DEADLINE_S = 420
DONE = {"COMPLETED", "COMPLETED_SUCCESS"}
GONE_WRONG = {"FAILED", "FAILING", "COMPLETED_FAILED", "CANCELED", "CANCELING"}
RUN_FAILED = {"FAILURE", "CANCELED", "CANCELING"}
DOWNSTREAM_OF_BASELINE = {"fi_regressions", "fi_alerts"}  # of the selected days' tables

GROUP_ASSETS = "{ assetNodes { assetKey { path } groupName } }"

# The UI's own mutation (dagster-webserver 1.13, LaunchAssetChoosePartitionsDialog), trimmed to
# the result types this test can meet.
LAUNCH_PARTITION_BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PartitionSetNotFoundError { message }
    ... on PartitionKeysNotFoundError { message }
    ... on UnauthorizedError { message }
    ... on PythonError { message stack }
  }
}
"""

BACKFILL = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      status
      error { message stack }
      runs { runId status tags { key value } assetSelection { path } }
      assetBackfillData {
        assetBackfillStatuses {
          ... on AssetPartitionsStatusCounts {
            assetKey { path }
            numPartitionsTargeted
            numPartitionsMaterialized
          }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

RUN_LOGS = """
query RunLogs($runId: ID!) {
  logsForRun(runId: $runId) {
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { message stepKey level timestamp }
        ... on ErrorEvent { error { message } }
      }
    }
  }
}
"""

MATERIALIZATIONS = """
query Materializations($keys: [AssetKeyInput!], $days: [String!]) {
  assetNodes(assetKeys: $keys) {
    assetKey { path }
    assetMaterializations(partitions: $days) { partition runId timestamp }
  }
}
"""


@dataclass
class DagsterDev:
    graphql: str
    fi_home: Path
    log: Path

    def query(self, query: str, **variables) -> dict:
        request = urllib.request.Request(
            self.graphql,
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.loads(response.read())
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def _wait_until_serving(dev: DagsterDev, process: subprocess.Popen, deadline_s: float) -> None:
    """Poll /server_info until the webserver answers (the code location loads first)."""
    deadline = time.monotonic() + deadline_s
    server_info = dev.graphql.removesuffix("/graphql") + "/server_info"
    while time.monotonic() < deadline:
        assert process.poll() is None, f"dagster dev exited:\n{dev.log_tail()}"
        try:
            with urllib.request.urlopen(server_info, timeout=2):
                return
        except OSError:
            time.sleep(0.25)  # polling interval, not a timing assumption
    raise AssertionError(f"dagster dev did not serve in {deadline_s} s:\n{dev.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the whole session (webserver, daemon, code server, run workers), then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.fixture
def dagster_dev(tmp_path: Path, pg_url: str) -> Iterator[DagsterDev]:
    """`dagster dev -w workspace.yaml` (webserver + daemon) on the shipped instance config."""
    user, admin_db = postgres.find_admin_user()
    with postgres.temporary_database(user, admin_db) as dagster_db:
        env = _env(tmp_path)
        shutil.copy(REPO / "dagster.yaml", Path(env["DAGSTER_HOME"]) / "dagster.yaml")
        env["DAGSTER_PG_URL"] = dagster_db.replace("+psycopg2", "")
        for name in ("OPENAI_API_KEY", "SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN") + FI_LOCATIONS:
            env.pop(name, None)  # offline judge, alerts to a file, everything under FI_HOME
        port = _free_port()
        dev = DagsterDev(
            f"http://127.0.0.1:{port}/graphql", Path(env["FI_HOME"]), tmp_path / "dagster_dev.log"
        )
        with dev.log.open("w") as log:
            process = subprocess.Popen(
                [str(BIN / "dagster"), "dev", "-w", "workspace.yaml"]
                + ["-h", "127.0.0.1", "-p", str(port)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: teardown kills every child
            )
            try:
                _wait_until_serving(dev, process, deadline_s=180)
                yield dev
            finally:
                _stop(process)


def test_a_backfill_launched_from_the_ui_materializes_every_day(dagster_dev: DagsterDev):
    traces = open_store(str(dagster_dev.fi_home / "traces"))
    generated = {
        day: generate_day(traces, date.fromisoformat(day), TRACES_PER_DAY, seed=20 + i)
        for i, day in enumerate(DAYS)
    }
    nodes = dagster_dev.query(GROUP_ASSETS)["assetNodes"]
    selection = [n["assetKey"] for n in nodes if n["groupName"] == "fi_nightly"]
    names = {"/".join(key["path"]) for key in selection}
    assert {"normalized_spans", "fi_quality_daily", "fi_regressions", "fi_daily_report"} <= names

    launched = dagster_dev.query(
        LAUNCH_PARTITION_BACKFILL,
        backfillParams={
            "partitionNames": DAYS,
            "assetSelection": selection,
            "fromFailure": False,
            "tags": [],
        },
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    started = time.monotonic()
    backfill = _wait_for_backfill(dagster_dev, launched["backfillId"])
    print(f"backfill done in {time.monotonic() - started:.0f} s, {len(backfill['runs'])} runs")
    # Dagster maps the selected days downstream through fi_regressions' baseline dependency:
    # the next baseline_days days get their regressions and alerts redone (their baseline
    # changed) and nothing upstream of them: no ingest, no judge calls.
    counts = {
        "/".join(s["assetKey"]["path"]): s
        for s in backfill["assetBackfillData"]["assetBackfillStatuses"]
    }
    rerun = len(DAYS) + RegressionConfig().baseline_days  # FI_CONFIG unset
    for name in names:
        targeted = counts[name]["numPartitionsTargeted"]
        if name in DOWNSTREAM_OF_BASELINE:
            assert targeted == rerun, name
        elif name == "fi_daily_report":  # Dagster's breadth-first target: set order decides
            assert targeted in (len(DAYS), rerun), name
        else:
            assert targeted == len(DAYS), name
        assert counts[name]["numPartitionsMaterialized"] == targeted, name
    for run in backfill["runs"]:
        tags = {t["key"]: t["value"] for t in run["tags"]}
        assets = {"/".join(key["path"]) for key in run["assetSelection"] or []}
        if "dagster/partition" not in tags:  # a run over a range of days
            assert assets == {"fi_regressions"}, (tags, assets)
        elif tags["dagster/partition"] not in DAYS:
            assert assets <= DOWNSTREAM_OF_BASELINE | {"fi_daily_report"}, (tags, assets)

    warehouse = Warehouse(f"sqlite:///{dagster_dev.fi_home / 'warehouse.db'}")
    for day in DAYS:
        ingested = warehouse.read_partition("fi_ingest_daily", day)
        assert ingested["spans"].sum() == generated[day].spans, day
        assert len(warehouse.read_partition("fi_quality_daily", day)) > 0, day

    materialized = _materializations(dagster_dev, selection)
    backfill_runs = {run["runId"] for run in backfill["runs"]}
    for name in names:
        assert set(materialized[name]) == set(DAYS), name
        assert {e["runId"] for e in materialized[name].values()} <= backfill_runs, name
    # A day's regressions started only once the days it compares against were tabulated.
    for i, day in enumerate(DAYS):
        run_id = materialized["fi_regressions"][day]["runId"]
        started_at = _step_started(dagster_dev, run_id, "fi_regressions")
        for baseline_day in DAYS[: i + 1]:
            for table in ("fi_quality_daily", "fi_step_daily"):
                assert int(materialized[table][baseline_day]["timestamp"]) <= started_at, (
                    f"fi_regressions {day} started before {table} {baseline_day} was written"
                )
    # Each day's regressions ran after the earlier day's were stored, or with them in one run
    # (oldest first), so its baseline knew which earlier days were flagged.
    regressions = materialized["fi_regressions"]
    for earlier, day in zip(DAYS, DAYS[1:], strict=False):
        if regressions[day]["runId"] != regressions[earlier]["runId"]:
            started_at = _step_started(dagster_dev, regressions[day]["runId"], "fi_regressions")
            assert int(regressions[earlier]["timestamp"]) <= started_at, (earlier, day)


def _wait_for_backfill(dev: DagsterDev, backfill_id: str) -> dict:
    """Poll the backfill as the UI's backfill page does; fail at the first failed run."""
    deadline = time.monotonic() + BACKFILL_DEADLINE_S
    while True:
        backfill = dev.query(BACKFILL, id=backfill_id)["partitionBackfillOrError"]
        assert backfill["__typename"] == "PartitionBackfill", backfill
        failed = [run for run in backfill["runs"] if run["status"] in RUN_FAILED]
        if failed or backfill["status"] in GONE_WRONG:
            pytest.fail(_what_went_wrong(dev, backfill, failed))
        if backfill["status"] in DONE and backfill["runs"]:
            return backfill
        if time.monotonic() > deadline:
            pytest.fail(
                f"backfill still {backfill['status']} after {BACKFILL_DEADLINE_S} s; runs: "
                f"{_runs(backfill)}\n{dev.log_tail()}"
            )
        time.sleep(1)  # polling interval, not a timing assumption


def _runs(backfill: dict) -> list[str]:
    return [
        f"{run['runId'][:8]} {run['status']} "
        + ",".join(f"{t['key']}={t['value']}" for t in run["tags"] if "partition" in t["key"])
        + f" {len(run['assetSelection'] or [])} assets"
        for run in backfill["runs"]
    ]


def _what_went_wrong(dev: DagsterDev, backfill: dict, failed: list[dict]) -> str:
    lines = [f"backfill {backfill['status']}: {backfill['error']}", *_runs(backfill)]
    for run in failed:
        events = dev.query(RUN_LOGS, runId=run["runId"])["logsForRun"].get("events", [])
        for event in events:
            if event.get("level") in ("ERROR", "CRITICAL") or event.get("error"):
                error = (event.get("error") or {}).get("message", "")
                lines.append(
                    f"{run['runId'][:8]} {event.get('stepKey')}: {event['message']} {error}"
                )
    return "\n".join(lines) + "\n" + dev.log_tail(2000)


def _step_started(dev: DagsterDev, run_id: str, step_key: str) -> int:
    """Milliseconds since the epoch at which the step started in the run."""
    events = dev.query(RUN_LOGS, runId=run_id)["logsForRun"]["events"]
    starts = [
        int(e["timestamp"])
        for e in events
        if e["__typename"] == "ExecutionStepStartEvent" and e["stepKey"] == step_key
    ]
    assert starts, f"no {step_key} step in run {run_id}"
    return min(starts)


def _materializations(dev: DagsterDev, selection: list[dict]) -> dict[str, dict[str, dict]]:
    """Asset name → partition → its latest materialization event, from the instance."""
    nodes = dev.query(MATERIALIZATIONS, keys=selection, days=DAYS)["assetNodes"]
    latest: dict[str, dict[str, dict]] = {}
    for node in nodes:
        events = sorted(node["assetMaterializations"], key=lambda e: int(e["timestamp"]))
        latest["/".join(node["assetKey"]["path"])] = {e["partition"]: e for e in events}
    return latest
