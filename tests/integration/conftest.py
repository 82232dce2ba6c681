"""A nightly deployment in a temp dir: trace files, work store, warehouse and a Dagster instance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from fi_dagster.demo import Regression, generate_day
from fi_dagster.demo.run import demo_resources
from fi_dagster.resources import ObjectStoresResource
from fi_dagster.runner import PartitionRun, open_instance, run_partitions
from fi_dagster.storage.object_store import ObjectStore, open_store
from fi_dagster.warehouse.store import Warehouse

TABLES = (
    "fi_ingest_daily",
    "fi_eval_results",
    "fi_quality_daily",
    "fi_cost_daily",
    "fi_latency_daily",
    "fi_regressions",
)


@dataclass
class Nightly:
    home: Path
    traces: ObjectStore
    instance: dg.DagsterInstance
    resources: dict = field(default_factory=dict)

    def generate(
        self, day: str, traces: int = 200, regressions: tuple[Regression, ...] = (), seed: int = 3
    ):
        return generate_day(
            self.traces, date.fromisoformat(day), traces, seed=seed, regressions=regressions
        )

    def run(self, *days: str) -> list[PartitionRun]:
        return run_partitions(list(days), self.instance, self.resources, stop_on_failure=False)

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.resources["warehouse"].url)

    def table(self, name: str, day: str) -> pd.DataFrame:
        return self.warehouse.read_partition(name, day)


@pytest.fixture
def nightly(tmp_path: Path) -> Nightly:
    """Local files + SQLite + offline judge + file alerts, with an on-disk Dagster instance."""
    resources = demo_resources(tmp_path)
    return Nightly(
        home=tmp_path,
        traces=open_store(str(tmp_path / "traces")),
        instance=open_instance(tmp_path / "dagster"),
        resources=resources,
    )


@pytest.fixture
def s3_nightly(nightly: Nightly, s3_endpoint: str, s3_bucket: str) -> Nightly:
    """The same deployment reading its trace files from S3 (moto's server on 127.0.0.1)."""
    uri = f"s3://{s3_bucket}/otel/traces"
    nightly.traces = open_store(uri, endpoint_url=s3_endpoint)
    nightly.resources["stores"] = ObjectStoresResource(
        traces_uri=uri, work_uri=str(nightly.home / "work"), s3_endpoint_url=s3_endpoint
    )
    return nightly
