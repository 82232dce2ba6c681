"""The `fi-dagster` commands as a user runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fi_dagster.cli import main
from fi_dagster.warehouse.store import Warehouse

SECRETS = ("OPENAI_API_KEY", "SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN", "DAGSTER_HOME", "FI_CONFIG")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in SECRETS + ("FI_TRACES_URI", "FI_WORK_URI", "FI_WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FI_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


def test_demo_flags_the_injected_regression(clean_env, tmp_path, capsys):
    """The demo as the README runs it (7 days × 800 traces), ending on a day long past: its
    traces do not depend on the date, and its alert pages although the day is history."""
    home = tmp_path / "demo"
    assert main(["demo", "--home", str(home), "--end-date", "2026-10-01"]) == 0
    out = capsys.readouterr().out

    days = re.findall(r"^(\d{4}-\d{2}-\d{2}) ", out, flags=re.M)
    assert days == [f"2026-09-{d}" for d in range(25, 31)] + ["2026-10-01"]
    last = days[-1]
    assert "Alerts raised (1):" in out
    assert "tenant=northwind" in out
    warehouse = Warehouse(f"sqlite:///{home / 'warehouse.db'}")
    for day in days[:-1]:
        assert warehouse.read_partition("fi_regressions", day).empty, day
    flagged = warehouse.read_partition("fi_regressions", last)
    assert {"tenant": "northwind"} in [json.loads(c) for c in flagged["cohort"]]
    quality = warehouse.read_partition("fi_quality_daily", last)
    northwind = quality[(quality["tenant"] == "northwind") & (quality["model"] == "*")]
    assert len(northwind) > 0 and (northwind["pass_rate"] < 1).any()
    alerts = [json.loads(line) for line in (home / "alerts.jsonl").read_text().splitlines()]
    assert alerts and all("northwind" in a["text"] for a in alerts)
    ingest = warehouse.read_partition("fi_ingest_daily", last)
    assert int(ingest["spans"].sum()) > 0
    assert (home / "dagster" / "dagster.yaml").exists()


def test_demo_traces_do_not_depend_on_the_date(clean_env, tmp_path, capsys):
    """Day k before the last is the same whatever the end date, so the demo's output is too;
    a demo too small to flag its regression says so."""

    def last_day_quality(end: str) -> list:
        home = tmp_path / end
        args = ["demo", "--home", str(home), "--days", "2", "--traces", "60", "--end-date", end]
        assert main(args) == 0
        err = capsys.readouterr().err
        assert f"The regression injected on {end} into tenant=northwind was not flagged" in err
        table = Warehouse(f"sqlite:///{home / 'warehouse.db'}").read_partition(
            "fi_quality_daily", end
        )
        return table.drop(columns="partition_date").sort_values(list(table.columns[1:6]))

    first, second = last_day_quality("2026-11-02"), last_day_quality("2026-06-15")
    assert len(first) > 10
    assert first.to_dict("records") == second.to_dict("records")


def test_the_installed_command_runs_the_demo(clean_env, tmp_path):
    """``fi-dagster`` as pip installs it (the README's first command), in its own process."""
    home = tmp_path / "installed"
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "fi-dagster"), "demo", "--home", str(home)]
        + ["--days", "2", "--traces", "40", "--end-date", "2026-11-05"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"^2026-11-05 +40 ", result.stdout, flags=re.M), result.stdout
    assert "[2/2] 2026-11-05" in result.stderr and (home / "warehouse.db").exists()


def test_generate_run_report(clean_env, capsys):
    traces = clean_env / "traces"
    assert main(["generate", "--out", str(traces), "--date", "2026-11-20", "--traces", "50"]) == 0
    assert "2026-11-20: 50 traces" in capsys.readouterr().out
    assert main(["run", "--date", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert "2026-11-20" in out and "No alerts raised." in out

    assert main(["report", "--date", "2026-11-20", "--format", "json"]) == 0
    [day] = json.loads(capsys.readouterr().out)
    assert day["partition_date"] == "2026-11-20" and day["traces"] == 50
    assert 0 <= day["pass_rate"] <= 1

    html = clean_env / "report.html"
    assert main(["report", "--date", "2026-11-20", "--format", "html", "--out", str(html)]) == 0
    assert '<table id="summary">' in html.read_text() and "2026-11-20" in html.read_text()


def test_run_of_a_missing_partition_says_so(clean_env, capsys):
    (clean_env / "traces").mkdir(parents=True)
    assert main(["run", "--date", "2026-11-21"]) == 1
    err = capsys.readouterr().err
    assert "partition 2026-11-21 failed" in err and "no partition folder" in err


def test_report_without_data_is_a_clear_error(clean_env, capsys):
    assert main(["report", "--date", "2026-11-22"]) == 2
    assert "no evaluated partition for 2026-11-22" in capsys.readouterr().err


def test_bad_config_names_the_key(clean_env, tmp_path, capsys, monkeypatch):
    config = tmp_path / "fi.yaml"
    config.write_text("sampling:\n  rate: 2.5\n")
    monkeypatch.setenv("FI_CONFIG", str(config))
    assert main(["run", "--date", "2026-11-20"]) == 2
    err = capsys.readouterr().err
    assert "sampling.rate" in err and str(config) in err


def test_bad_date_is_rejected(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--date", "yesterday"])
    assert "is not a date" in capsys.readouterr().err
