"""The warehouse replaces a day atomically and reads it back, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from fi_dagster.warehouse import (
    PARTITIONED_TABLES,
    Warehouse,
    WarehouseWriteError,
    default_warehouse_url,
)

DAY = "2024-05-01"
KEY = ["trace_id", "span_id", "evaluator"]


@pytest.fixture
def warehouse(warehouse_url: str) -> Iterator[Warehouse]:
    wh = Warehouse(warehouse_url)
    yield wh
    wh.dispose()


def eval_rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.random(n)
    return pd.DataFrame(
        {
            "trace_id": [f"t{seed}-{i // 3:05d}" for i in range(n)],
            "span_id": [f"s{i:06d}" for i in range(n)],
            "evaluator": rng.choice(["json_validation", "relevance"], n),
            "score": score,
            "passed": score >= 0.5,
            "status": "ok",
            "reason": rng.choice(["fine", "off topic", "invalid JSON"], n),
            "judge_prompt_tokens": rng.integers(50, 500, n),
            "judge_cost_usd": rng.random(n) / 1000,
            "model": rng.choice(["gpt-4o", "claude-3-5"], n),
        }
    )


def stored(wh: Warehouse, day: str, columns: list[str]) -> pd.DataFrame:
    df = wh.read_partition("fi_eval_results", day)[columns]
    return df.sort_values(KEY).reset_index(drop=True)


def assert_same_rows(wh: Warehouse, day: str, expected: pd.DataFrame) -> None:
    actual = stored(wh, day, list(expected.columns))
    expected = expected.sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False)


def test_every_contract_table_exists_with_partition_date(warehouse: Warehouse) -> None:
    inspector = sa.inspect(warehouse.engine)
    assert PARTITIONED_TABLES | {"fi_alerts"} <= set(inspector.get_table_names())
    for name in PARTITIONED_TABLES | {"fi_alerts"}:
        assert "partition_date" in {c["name"] for c in inspector.get_columns(name)}
    assert inspector.get_pk_constraint("fi_alerts")["constrained_columns"] == ["dedupe_key"]


def test_replacing_twice_leaves_no_duplicates(warehouse: Warehouse) -> None:
    rows = eval_rows(300, seed=1)
    assert warehouse.replace_partition("fi_eval_results", DAY, rows) == 300
    assert warehouse.replace_partition("fi_eval_results", DAY, rows) == 300
    assert len(warehouse.read_partition("fi_eval_results", DAY)) == 300
    assert_same_rows(warehouse, DAY, rows)


def test_replacing_swaps_the_day_and_leaves_other_days(warehouse: Warehouse) -> None:
    warehouse.replace_partition("fi_eval_results", "2024-04-30", eval_rows(10, seed=2))
    warehouse.replace_partition("fi_eval_results", DAY, eval_rows(50, seed=3))
    newer = eval_rows(20, seed=4)
    warehouse.replace_partition("fi_eval_results", DAY, newer)
    assert_same_rows(warehouse, DAY, newer)
    assert_same_rows(warehouse, "2024-04-30", eval_rows(10, seed=2))


def test_an_empty_frame_empties_the_day(warehouse: Warehouse) -> None:
    warehouse.replace_partition("fi_eval_results", DAY, eval_rows(5, seed=5))
    assert warehouse.replace_partition("fi_eval_results", DAY, eval_rows(0, seed=5)) == 0
    assert warehouse.read_partition("fi_eval_results", DAY).empty
    assert warehouse.partitions("fi_eval_results") == []


@pytest.mark.parametrize(
    ("column", "bad_value"),
    [("reason", {"not": "bindable"}), ("evaluator", None), ("status", "exploded")],
    ids=["unbindable-value", "not-null-violation", "check-violation"],
)
def test_a_failed_insert_keeps_the_previous_rows(
    warehouse: Warehouse, column: str, bad_value: object
) -> None:
    old = eval_rows(200, seed=6)
    warehouse.replace_partition("fi_eval_results", DAY, old)
    new = eval_rows(2500, seed=7).astype({column: object})
    new.at[len(new) - 1, column] = bad_value  # the last row fails, after earlier batches went in
    with pytest.raises(WarehouseWriteError, match=f"fi_eval_results partition {DAY}"):
        warehouse.replace_partition("fi_eval_results", DAY, new)
    assert_same_rows(warehouse, DAY, old)


def test_unknown_columns_are_named_and_nothing_changes(warehouse: Warehouse) -> None:
    old = eval_rows(10, seed=8)
    warehouse.replace_partition("fi_eval_results", DAY, old)
    with pytest.raises(ValueError, match="judge_vibes, tokens"):
        warehouse.replace_partition("fi_eval_results", DAY, old.assign(tokens=1, judge_vibes=2))
    assert_same_rows(warehouse, DAY, old)


def test_rows_of_another_day_are_refused(warehouse: Warehouse) -> None:
    with pytest.raises(ValueError, match="partition_date"):
        warehouse.replace_partition(
            "fi_eval_results", DAY, eval_rows(3, seed=9).assign(partition_date="2024-05-02")
        )


def test_read_range_is_inclusive_and_ordered(warehouse: Warehouse) -> None:
    days = [f"2024-05-{d:02d}" for d in range(1, 6)]
    for i, day in enumerate(reversed(days)):
        warehouse.replace_partition("fi_eval_results", day, eval_rows(i + 1, seed=i))
    got = warehouse.read_range("fi_eval_results", days[1], days[3])
    assert sorted(set(got["partition_date"])) == days[1:4]
    assert list(got["partition_date"]) == sorted(got["partition_date"])
    assert len(got) == sum(len(warehouse.read_partition("fi_eval_results", d)) for d in days[1:4])
    assert warehouse.partitions("fi_eval_results") == days


def test_missing_values_are_stored_as_null(warehouse: Warehouse) -> None:
    rows = eval_rows(4, seed=10)
    rows["score"] = [0.25, np.nan, 1.0, np.nan]
    rows["passed"] = pd.array([True, pd.NA, False, pd.NA], dtype="boolean")
    rows["model"] = ["gpt-4o", None, "gpt-4o", np.nan]
    rows["reason"] = pd.Series(["fine", None, "fine", np.nan], dtype=object)
    warehouse.replace_partition("fi_eval_results", DAY, rows)
    with warehouse.engine.connect() as conn:
        nulls = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM fi_eval_results WHERE score IS NULL"
                " AND passed IS NULL AND model IS NULL AND reason IS NULL"
            )
        ).scalar_one()
    assert nulls == 2
    back = stored(warehouse, DAY, [*KEY, "score", "passed", "model"])
    expected = rows.sort_values(KEY).reset_index(drop=True)
    assert back["score"].isna().tolist() == expected["score"].isna().tolist()
    assert back["score"].dropna().tolist() == expected["score"].dropna().tolist()
    assert back["passed"].tolist() == [None if pd.isna(v) else bool(v) for v in expected["passed"]]


def test_awkward_values_round_trip(warehouse: Warehouse) -> None:
    detected = pd.Timestamp("2024-05-02 03:04:05.123456", tz="UTC")
    rows = pd.DataFrame(
        {
            "metric": ['quote " comma , newline \n end', "", "ünïcödé ✓", "last"],
            "cohort": ['{"route": "/chat", "tenant": "a,b"}', "{}", "{}", "{}"],
            "baseline_value": [float("inf"), -0.0, 1e-300, 2.5],
            "detected_at": [detected] * 4,
        }
    )
    warehouse.replace_partition("fi_regressions", DAY, rows)
    back = warehouse.read_partition("fi_regressions", DAY)
    by_metric = back.set_index("metric")
    assert set(by_metric.index) == set(rows["metric"])  # '' stays '', not NULL
    assert by_metric.loc['quote " comma , newline \n end', "cohort"] == rows.loc[0, "cohort"]
    assert by_metric.loc["", "baseline_value"] == 0.0
    assert by_metric.loc['quote " comma , newline \n end', "baseline_value"] == float("inf")
    assert by_metric.loc["ünïcödé ✓", "baseline_value"] == 1e-300
    stamp = pd.Timestamp(back["detected_at"].iloc[0])  # SQLite drops the zone, keeps UTC wall time
    assert (stamp.tz_convert("UTC") if stamp.tzinfo else stamp.tz_localize("UTC")) == detected


def test_integer_columns_accept_floats_from_nan_holes(warehouse: Warehouse) -> None:
    rows = pd.DataFrame({"convention": ["otel", "openinference"], "spans": [1200.0, np.nan]})
    warehouse.replace_partition("fi_ingest_daily", DAY, rows)
    back = warehouse.read_partition("fi_ingest_daily", DAY).set_index("convention")
    assert back.loc["otel", "spans"] == 1200
    assert pd.isna(back.loc["openinference", "spans"])


def test_unknown_and_ledger_tables_are_refused(warehouse: Warehouse) -> None:
    with pytest.raises(ValueError, match="unknown warehouse table 'fi_nope'.*fi_eval_results"):
        warehouse.read_partition("fi_nope", DAY)
    with pytest.raises(ValueError, match="ledger"):
        warehouse.replace_partition("fi_alerts", DAY, pd.DataFrame())
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        warehouse.read_partition("fi_eval_results", "2024-5-1")


def test_concurrent_writers_each_keep_their_day(warehouse_url: str) -> None:
    days = [f"2024-06-{d:02d}" for d in range(1, 5)]
    errors: list[BaseException] = []

    def write(day: str, seed: int) -> None:
        try:  # opening a new warehouse concurrently is part of the test
            wh = Warehouse(warehouse_url)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
            return
        try:
            for _ in range(3):
                wh.replace_partition("fi_eval_results", day, eval_rows(100, seed))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            wh.dispose()

    threads = [threading.Thread(target=write, args=(d, i)) for i, d in enumerate(days)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = Warehouse(warehouse_url)
    for i, day in enumerate(days):
        assert_same_rows(check, day, eval_rows(100, i))
    check.dispose()


def test_default_url_is_a_sqlite_file_under_home(tmp_path: Path) -> None:
    wh = Warehouse(default_warehouse_url(tmp_path / "home"))
    wh.replace_partition("fi_cost_daily", DAY, pd.DataFrame({"n_calls": [3]}))
    assert (tmp_path / "home" / "warehouse.db").is_file()
    assert wh.read_partition("fi_cost_daily", DAY)["n_calls"].tolist() == [3]
    wh.dispose()


@pytest.mark.postgres
def test_display_url_masks_the_password(pg_clean_url: str) -> None:
    url = sa.make_url(pg_clean_url).set(password="s3cret-pw")  # trust auth ignores it
    wh = Warehouse(url.render_as_string(hide_password=False))
    assert "s3cret-pw" not in wh.url_for_display()
    assert "***" in wh.url_for_display()
    wh.dispose()


def test_tables_of_an_older_version_gain_new_columns(warehouse_url):
    """Upgrading fi_dagster adds new nullable columns to existing tables; old rows stay."""
    engine = sa.create_engine(warehouse_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE fi_latency_daily (partition_date VARCHAR(10), n BIGINT)")
        )
        conn.execute(sa.text("INSERT INTO fi_latency_daily VALUES ('2026-01-01', 7)"))
    engine.dispose()
    warehouse = Warehouse(warehouse_url)
    old = warehouse.read_partition("fi_latency_daily", "2026-01-01")
    assert old["n"].tolist() == [7] and "p99_ms" in old.columns and old["p99_ms"].isna().all()
    frame = pd.DataFrame({"span_name": ["a"], "n": [3], "p99_ms": [12.5]})
    warehouse.replace_partition("fi_latency_daily", "2026-01-02", frame)
    assert warehouse.read_partition("fi_latency_daily", "2026-01-02")["p99_ms"].tolist() == [12.5]
