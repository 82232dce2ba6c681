"""normalized_spans through Dagster: stored as Parquet, read back column by column, and guarded
by a blocking Great Expectations check whose failures name the expectations and counts."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd
import pytest
from otlp_lines import DAY, line, span

from fi_dagster.assets.ingest import normalized_spans
from fi_dagster.assets.span_checks import normalized_spans_expectations
from fi_dagster.demo import generate_day
from fi_dagster.resources import (
    FiConfigResource,
    ObjectStoresResource,
    ParquetIOManager,
    WarehouseIOManager,
)
from fi_dagster.storage import open_store
from fi_dagster.warehouse import Warehouse

PICKED = ["trace_id", "span_kind", "prompt_tokens", "tenant"]
seen: dict[str, pd.DataFrame] = {}


@dg.asset(
    partitions_def=normalized_spans.partitions_def,
    ins={"normalized_spans": dg.AssetIn(metadata={"columns": PICKED})},
)
def span_probe(normalized_spans: pd.DataFrame) -> None:
    """A downstream asset that asks for four columns only."""
    seen["probe"] = normalized_spans


@pytest.fixture
def pipeline(tmp_path):
    config = tmp_path / "fi_dagster.yaml"
    config.write_text("ingest:\n  timestamp_skew_minutes: 30\n")
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    resources = {
        "stores": ObjectStoresResource(
            traces_uri=str(tmp_path / "traces"), work_uri=str(tmp_path / "work")
        ),
        "fi_config": FiConfigResource(path=str(config)),
        "parquet_io_manager": ParquetIOManager(work_uri=str(tmp_path / "work")),
        "warehouse_io_manager": WarehouseIOManager(url=url),
    }
    seen.clear()

    instance = dg.DagsterInstance.ephemeral()

    def run() -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [normalized_spans, normalized_spans_expectations, span_probe],
            partition_key=DAY,
            resources=resources,
            raise_on_error=False,
            instance=instance,
        )

    run.instance = instance  # type: ignore[attr-defined]  # its event log, for the tests

    return open_store(str(tmp_path / "traces")), Warehouse(url), run


def evaluation(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    [check] = result.get_asset_check_evaluations()
    return check


def test_a_good_day_passes_and_downstream_reads_only_its_columns(pipeline):
    traces, warehouse, run = pipeline
    generated = generate_day(traces, dt.date.fromisoformat(DAY), 12, files=2)
    result = run()
    assert result.success
    check = evaluation(result)
    assert check.passed and check.metadata["rows"].value == generated.spans
    probe = seen["probe"]
    assert list(probe.columns) == PICKED and len(probe) == generated.spans
    ingest = warehouse.read_partition("fi_ingest_daily", DAY)
    assert int(ingest["spans"].sum()) == generated.spans
    assert int(ingest["files"].sum()) == 2
    logs = "\n".join(e.user_message for e in run.instance.all_logs(result.run_id))
    assert f"partition {DAY}: read 2/2 files: {generated.spans:,} spans kept" in logs


def test_a_bad_day_fails_the_check_with_counts_and_blocks_downstream(pipeline):
    traces, _, run = pipeline
    three_days_early = span(2, 2, start_ms=-3 * 86_400_000)
    negative = span(3, 3, **{"llm.token_count.prompt": -4})  # dropped as wrong-typed, counted
    traces.write_bytes(f"dt={DAY}/a.jsonl", line(span(1, 1), three_days_early, negative))
    result = run()
    check = evaluation(result)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    failures = {k: v.value for k, v in check.metadata.items() if k.startswith("unexpected/")}
    assert failures == {"unexpected/expect_column_values_to_be_between(start_time)": 1}
    assert "start_time" in check.metadata["failed_expectations"].value
    assert "probe" not in seen  # blocked: the downstream asset never ran
    assert not result.success  # so `fi-dagster run` exits non-zero for this day
