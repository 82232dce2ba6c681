"""A shard whose step fails is retried alone, and the day's results come out whole.

The fault is a dropped connection to the work store on the first read of one shard's spans:
the shard step fails before judging anything, Dagster's retry policy runs it again, and the
other shards run once. The day's rows must equal those of a run without the fault.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest
from eval_upstream import UPSTREAM
from judge_kit import KEY
from servers.openai_server import OpenAIServer
from span_table import PARTITION, SpanTable

from fi_dagster.assets.evaluate import eval_results_asset, fi_eval_results, shard_retry_policy
from fi_dagster.config import ConfigError, FiConfig, load_config
from fi_dagster.evals.shards import shard_sample
from fi_dagster.resources import (
    FiConfigResource,
    JudgeResource,
    ParquetIOManager,
    WarehouseIOManager,
    WarehouseResource,
)

SHARD_TRACES = 3
CONFIG = f"""\
evaluation:
  shard_traces: {SHARD_TRACES}
  shard_retry: {{max_retries: 2, delay_s: 0}}
"""
SHARD_STEP = "fi_eval_results.evaluate_shard[shard_{:03d}]"
FAULTY_TRACE = "t07"


class WorkStoreDroppingOneRead(ParquetIOManager):
    """The work store, except that the first read asking for ``trace_id``'s spans fails.

    ``armed`` is a file that exists until the fault fires: the one-shot state survives the
    resource being rebuilt per step, as a real outage outlives any process.
    """

    trace_id: str
    armed: str

    def read(
        self,
        asset_key: dg.AssetKey,
        partition: str,
        columns: Sequence[str] | None = None,
        trace_ids: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        armed = Path(self.armed)
        if trace_ids is not None and self.trace_id in trace_ids and armed.exists():
            armed.unlink()
            raise ConnectionError(f"connection reset by peer reading {asset_key.path[-1]}")
        return super().read(asset_key, partition, columns, trace_ids)


def varied_verdict(request: dict[str, Any]) -> str:
    """A judge whose verdicts differ per prompt (deterministically), so outcomes are mixed."""
    prompt = json.dumps(request.get("messages", []), sort_keys=True)
    score = hashlib.sha256(prompt.encode()).digest()[0] / 255
    return json.dumps({"score": round(score, 3), "reason": f"scored {score:.3f}"})


@pytest.fixture
def judge_server() -> OpenAIServer:
    with OpenAIServer(responder=varied_verdict) as server:
        yield server


@pytest.fixture
def day(spans: SpanTable) -> SpanTable:
    for i in range(12):
        status = "ERROR" if i % 5 == 0 else "OK"
        spans.add(
            f"t{i:02d}",
            "gen",
            status=status,
            input_text=f"Question {i}: what is {i} + {i}?",
            output_text=f"Answer {i}: {2 * i if i % 3 else i}.",
        )
    return spans


def deployment(root: Path, spans: SpanTable, judge_url: str, work_store=None) -> dict:
    """Resources of one deployment under ``root``, with the partition's upstream Parquet."""
    work = root / "work"
    for name, frame in (("normalized_spans", spans.frame()), ("cohort_sample", spans.sample())):
        path = work / name / f"dt={PARTITION}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
    config = root / "fi_dagster.yaml"
    config.write_text(CONFIG)
    warehouse = f"sqlite:///{root / 'warehouse.db'}"
    return {
        "judge": JudgeResource(base_url=judge_url + "/v1", model="gpt-4o-mini"),
        "fi_config": FiConfigResource(path=str(config)),
        "warehouse": WarehouseResource(url=warehouse),
        "warehouse_io_manager": WarehouseIOManager(url=warehouse),
        "parquet_io_manager": work_store or ParquetIOManager(work_uri=str(work)),
    }


def materialize(
    resources: dict, instance: dg.DagsterInstance
) -> tuple[dg.ExecuteInProcessResult, pd.DataFrame]:
    """The graph asset as the code location builds it from this deployment's YAML."""
    shard_retry = load_config(resources["fi_config"].path).evaluation.shard_retry
    result = dg.materialize(
        [eval_results_asset(shard_retry), *UPSTREAM],
        partition_key=PARTITION,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )
    rows = resources["warehouse"].warehouse().read_partition("fi_eval_results", PARTITION)
    key = ["trace_id", "span_id", "evaluator"]
    return result, rows.sort_values(key).reset_index(drop=True)


def step_keys(result: dg.ExecuteInProcessResult, event_type: dg.DagsterEventType) -> Counter:
    return Counter(e.step_key for e in result.all_events if e.event_type == event_type)


def test_a_failed_shard_is_retried_alone_and_the_day_comes_out_whole(
    day: SpanTable, judge_server: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    shards = shard_sample(day.sample(), SHARD_TRACES)
    assert sum(len(s) > 0 for s in shards) >= 3  # several shards really run
    [faulty] = [i for i, s in enumerate(shards) if FAULTY_TRACE in set(s["trace_id"])]
    faulty_step = SHARD_STEP.format(faulty)
    others = {SHARD_STEP.format(i) for i in range(len(shards))} - {faulty_step}

    clean_run = deployment(tmp_path / "clean", day, judge_server.url)
    clean_result, clean = materialize(clean_run, dg.DagsterInstance.ephemeral())
    assert clean_result.success
    clean_calls = len(judge_server.requests)

    armed = tmp_path / "fault_armed"
    armed.touch()
    root = tmp_path / "faulty"
    work_store = WorkStoreDroppingOneRead(
        work_uri=str(root / "work"), trace_id=FAULTY_TRACE, armed=str(armed)
    )
    instance = dg.DagsterInstance.ephemeral()
    result, rows = materialize(deployment(root, day, judge_server.url, work_store), instance)

    assert result.success
    assert not armed.exists()  # the fault fired
    assert step_keys(result, dg.DagsterEventType.STEP_UP_FOR_RETRY) == {faulty_step: 1}
    assert step_keys(result, dg.DagsterEventType.STEP_RESTARTED) == {faulty_step: 1}
    [retry] = [
        e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY
    ]
    assert "ConnectionError" in retry.event_specific_data.error.to_string()
    starts = step_keys(result, dg.DagsterEventType.STEP_START)
    assert all(starts[step] == 1 for step in others)
    assert starts[faulty_step] == 1  # its second attempt is the restart
    assert step_keys(result, dg.DagsterEventType.STEP_FAILURE) == {}
    attempts = {
        s.step_key: s.attempts
        for s in instance.get_run_step_stats(result.run_id)
        if s.step_key.startswith("fi_eval_results.evaluate_shard[")
    }
    assert attempts == {faulty_step: 2, **dict.fromkeys(others, 1)}

    assert len(judge_server.requests) == 2 * clean_calls  # the fault struck before judging
    assert len(rows) == 12 * rows["evaluator"].nunique() > 0
    assert {"ok"} <= set(rows["status"]) and rows["passed"].nunique() == 2  # mixed outcomes
    pd.testing.assert_frame_equal(rows, clean)


def retry_of(asset: dg.AssetsDefinition) -> dg.RetryPolicy | None:
    return asset.node_def.node_dict["evaluate_shard"].retry_policy


def test_shard_retry_comes_from_the_yaml_and_defaults_to_the_former_policy(
    tmp_path: Path,
) -> None:
    default = eval_results_asset(FiConfig().evaluation.shard_retry)
    assert retry_of(default) == dg.RetryPolicy(
        max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL
    )
    assert retry_of(fi_eval_results) == shard_retry_policy(load_config().evaluation.shard_retry)

    config = tmp_path / "fi_dagster.yaml"
    config.write_text("evaluation:\n  shard_retry: {max_retries: 5, delay_s: 1.5}\n")
    custom = eval_results_asset(load_config(config).evaluation.shard_retry)
    assert retry_of(custom) == dg.RetryPolicy(
        max_retries=5, delay=1.5, backoff=dg.Backoff.EXPONENTIAL
    )
    config.write_text("evaluation:\n  shard_retry: {max_retries: -1}\n")
    with pytest.raises(ConfigError, match="evaluation.shard_retry.max_retries"):
        load_config(config)
