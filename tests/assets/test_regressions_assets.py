"""The regression assets through the real nightly graph: three synthetic days, the last with the
demo's regression (worse answers and a 4× slower `tool_args_llm` for tenant=northwind)."""

import json
from datetime import date

import dagster as dg
import pytest
import sqlalchemy as sa

from fi_dagster.demo import generate_day
from fi_dagster.demo.run import DEMO_COHORT, DEMO_SLOW_STEP, demo_regressions, demo_resources
from fi_dagster.resources import FiConfigResource
from fi_dagster.runner import open_instance, run_partitions
from fi_dagster.storage.object_store import open_store
from fi_dagster.warehouse.store import Warehouse

DAYS = ["2026-11-08", "2026-11-09", "2026-11-10"]  # two baseline days, then the regression
OURS = "no_regressions"
pytestmark = pytest.mark.slow
# Small days: 500 traces give tenant=northwind ~25 tool_args_llm calls, so min_n is lowered.
CONFIG = "regressions:\n  min_n: 20\nalerts:\n  page_backfill: true\n"


@pytest.fixture(scope="module")
def nightly(tmp_path_factory):
    home = tmp_path_factory.mktemp("nightly")
    (home / "fi_dagster.yaml").write_text(CONFIG)
    traces = open_store(str(home / "traces"))
    for day in DAYS:
        regressions = demo_regressions() if day == DAYS[-1] else ()
        generate_day(traces, date.fromisoformat(day), 500, seed=11, regressions=regressions)
    resources = {
        **demo_resources(home),
        "fi_config": FiConfigResource(path=str(home / "fi_dagster.yaml")),
    }
    instance = open_instance(home / "dagster")
    outcomes = run_partitions(DAYS, instance, resources)
    assert all(o.success for o in outcomes), [o.error for o in outcomes]
    return home, instance, resources, outcomes


def test_only_the_regressed_day_and_cohort_are_flagged(nightly):
    home, *_ = nightly
    warehouse = Warehouse(f"sqlite:///{home / 'warehouse.db'}")
    for day in DAYS[:-1]:
        assert warehouse.read_partition("fi_regressions", day).empty, day
    flagged = warehouse.read_partition("fi_regressions", DAYS[-1])
    assert {json.dumps(DEMO_COHORT)} == set(flagged["cohort"])
    slow = flagged[flagged["evaluator_or_stat"] == DEMO_SLOW_STEP]
    assert slow["metric"].str.endswith("latency_ms").all() and len(slow) == 1
    assert json.loads(slow["attribution"].iloc[0])["responsible_step"] == DEMO_SLOW_STEP
    assert (flagged["metric"].isin(["pass_rate", "json_validity_rate"])).any()


def test_exactly_one_alert_names_the_cohort_and_the_step(nightly):
    home, *_ = nightly
    [alert] = [json.loads(line) for line in (home / "alerts.jsonl").read_text().splitlines()]
    assert "tenant=northwind" in alert["text"] and DAYS[-1] in alert["text"]
    assert DEMO_SLOW_STEP in json.dumps(alert["blocks"])


def check_result(record) -> dg.AssetCheckEvaluation:
    return record.dagster_event.event_specific_data


def test_the_daily_tables_carry_failed_checks_with_severity(nightly):
    _, instance, _, outcomes = nightly
    records = instance.all_logs(
        outcomes[-1].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    )
    results = {
        e.asset_key.to_user_string(): e for e in map(check_result, records) if e.check_name == OURS
    }
    assert not results["fi_quality_daily"].passed
    assert results["fi_quality_daily"].severity == dg.AssetCheckSeverity.ERROR
    assert not results["fi_latency_daily"].passed
    assert results["fi_cost_daily"].passed
    clean = instance.all_logs(
        outcomes[0].run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    )
    ours = [e for e in map(check_result, clean) if e.check_name == OURS]
    assert len(ours) == 3 and all(e.passed for e in ours)


def test_re_running_the_day_does_not_page_again(nightly):
    home, instance, resources, _ = nightly
    [again] = run_partitions(DAYS[-1:], instance, resources)
    assert again.success
    assert len((home / "alerts.jsonl").read_text().splitlines()) == 1
    warehouse = Warehouse(f"sqlite:///{home / 'warehouse.db'}")
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.select(warehouse.table("fi_alerts"))).all()
    assert len(rows) == 1 and rows[0].status == "sent"
