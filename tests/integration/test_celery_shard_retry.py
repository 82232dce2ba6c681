"""A shard whose step fails on a Celery worker is retried alone, and the day comes out whole.

The work store is S3 (moto on 127.0.0.1) reached through a proxy that cuts one download of the
day's ``normalized_spans`` halfway, as a dropped connection would: the fault happens inside a
worker, in the real store client, with nothing in fi_dagster knowing about the test.

The day is first run clean, whole graph on the workers; its ``fi_eval_results`` rows are the
reference. The evaluation is then run again on the workers with the fault armed. Only shard
steps read ``normalized_spans`` in that second run, so the cut download is always a shard's;
in a whole-graph run, ``fi_step_daily`` or ``fi_latency_daily`` may read it first. The judge
is the offline heuristic (no key in the workers' env), so the two runs' rows can be equal.
"""

from __future__ import annotations

import http.client
import os
from collections import Counter
from datetime import date
from urllib.parse import unquote, urlsplit

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from servers.loopback import JsonHandler, LoopbackServer
from test_celery_workers import WORKERS, deployment, workers  # noqa: F401 - fixtures

from fi_dagster.demo import generate_day
from fi_dagster.distributed import _nightly_celery_job, launch_on_celery
from fi_dagster.storage.object_store import open_store
from fi_dagster.warehouse.store import Warehouse

DAY = "2026-11-16"
TRACES, SHARD_TRACES = 120, 30  # four shards, two judged at a time (the fi_judge pool)
CONFIG = f"""\
evaluation:
  shard_traces: {SHARD_TRACES}
  shard_retry: {{max_retries: 2, delay_s: 0}}
"""
SHARD_STEP = "fi_eval_results.evaluate_shard["
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect"}

pytestmark = pytest.mark.postgres


class _Forward(JsonHandler):
    """Relays one request to the upstream S3 endpoint and its reply back, unless told to cut."""

    def _forward(self) -> None:
        proxy: CuttingS3Proxy = self.server.owner
        body = self.read_body()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(
            proxy.upstream.hostname, proxy.upstream.port, timeout=30
        )
        try:
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
        finally:
            upstream.close()
        cut = self.command == "GET" and proxy.count_download(unquote(urlsplit(self.path).path))
        self.send_response(reply.status, reply.reason)
        for name, value in reply.getheaders():
            if name.lower() not in HOP_BY_HOP | {"content-length", "server", "date"}:
                self.send_header(name, value)
        length = reply.getheader("Content-Length", "0") if self.command == "HEAD" else len(data)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data[: len(data) // 2] if cut else data)
        self.close_connection = cut  # the rest never comes: the client sees the stream end early

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward


class CuttingS3Proxy(LoopbackServer):
    """An S3 endpoint on loopback in front of moto that can drop one download midway."""

    handler_class = _Forward

    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = urlsplit(upstream)
        self.downloads: Counter[str] = Counter()  # GETs per object path
        self.cuts = 0
        self._cut_next: str | None = None

    def cut_next_download(self, path: str) -> None:
        with self._lock:
            self._cut_next = path

    def count_download(self, path: str) -> bool:
        """Counts a GET of ``path``; True when it is the one to cut."""
        with self._lock:
            self.downloads[path] += 1
            if path != self._cut_next:
                return False
            self._cut_next, self.cuts = None, self.cuts + 1
            return True


@pytest.fixture(autouse=True)
def work_store(deployment, s3_endpoint, s3_bucket, monkeypatch):  # noqa: F811 - fixture
    """The work store on S3 through the proxy. Autouse, so it is set up before ``workers``:
    workers read ``FI_*`` and build ``fi_eval_results`` from ``FI_CONFIG`` when they start.
    """
    config = deployment / "fi_dagster.yaml"
    config.write_text(CONFIG)
    with CuttingS3Proxy(s3_endpoint) as proxy:
        monkeypatch.setenv("FI_WORK_URI", f"s3://{s3_bucket}/work")
        monkeypatch.setenv("FI_S3_ENDPOINT_URL", proxy.url)
        monkeypatch.setenv("FI_CONFIG", str(config))
        yield proxy


def events_of(result, event_type: dg.DagsterEventType) -> Counter:
    return Counter(e.step_key for e in result.all_events if e.event_type == event_type)


def celery_tasks_of_each_step(instance: dg.DagsterInstance, run_id: str) -> dict[str, list]:
    """The worker of every Celery task a step ran as (one task per attempt)."""
    tasks: dict[str, list] = {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or not event.is_engine_event or not record.step_key:
            continue
        worker = (event.engine_event_data.metadata or {}).get("Celery worker")
        if worker is not None:
            tasks.setdefault(record.step_key, []).append(worker.value.split("@")[0])
    return tasks


def eval_results(warehouse: Warehouse) -> pd.DataFrame:
    rows = warehouse.read_partition("fi_eval_results", DAY)
    return rows.sort_values(["trace_id", "span_id", "evaluator"]).reset_index(drop=True)


@pytest.mark.usefixtures("workers")
def test_a_shard_that_fails_on_a_worker_is_retried_alone(
    work_store: CuttingS3Proxy, s3_bucket: str
) -> None:
    generate_day(open_store(os.environ["FI_TRACES_URI"]), date.fromisoformat(DAY), TRACES, seed=5)
    spans_object = f"/{s3_bucket}/work/normalized_spans/dt={DAY}.parquet"
    instance = dg.DagsterInstance.get()
    warehouse = Warehouse(os.environ["FI_WAREHOUSE_URL"])

    clean_run = launch_on_celery(DAY, instance)
    assert clean_run.success
    assert work_store.downloads[spans_object] > 0  # the workers read the day through the proxy
    clean = eval_results(warehouse)
    with warehouse.engine.begin() as conn:  # the faulty run must write the day's rows again
        conn.execute(sa.text("DELETE FROM fi_eval_results WHERE partition_date = :d"), {"d": DAY})

    work_store.downloads.clear()
    work_store.cut_next_download(spans_object)
    result = dg.execute_job(
        dg.reconstructable(_nightly_celery_job),
        instance=instance,
        tags={"dagster/partition": DAY, "fi_dagster/trigger": "test-shard-retry"},
        asset_selection=[dg.AssetKey("fi_eval_results")],
        raise_on_error=False,
    )

    assert result.success
    assert work_store.cuts == 1
    attempts = {
        s.step_key: s.attempts
        for s in instance.get_run_step_stats(result.run_id)
        if s.step_key.startswith(SHARD_STEP)
    }
    assert len(attempts) == TRACES // SHARD_TRACES
    retried = events_of(result, dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert len(retried) == 1 and set(retried) <= set(attempts), retried
    [faulty] = retried
    others = set(attempts) - {faulty}
    assert retried == {faulty: 1}
    assert attempts == {faulty: 2, **dict.fromkeys(others, 1)}
    assert events_of(result, dg.DagsterEventType.STEP_RESTARTED) == {faulty: 1}
    starts = events_of(result, dg.DagsterEventType.STEP_START)
    assert {step: starts[step] for step in attempts} == dict.fromkeys(attempts, 1)
    assert events_of(result, dg.DagsterEventType.STEP_FAILURE) == {}
    [retry] = [
        e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]
    assert "IncompleteRead" in retry.event_specific_data.error.to_string()
    tasks = celery_tasks_of_each_step(instance, result.run_id)
    assert {step: len(tasks.get(step, [])) for step in attempts} == attempts  # a task per try
    assert {worker for step in attempts for worker in tasks[step]} <= set(WORKERS)
    assert work_store.downloads[spans_object] == len(attempts) + 1  # one read per attempt

    rows = eval_results(warehouse)
    assert len(rows) > 0 and rows["trace_id"].nunique() == TRACES
    pd.testing.assert_frame_equal(rows, clean)
    instance.dispose()
