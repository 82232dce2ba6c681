"""A whole day through the nightly graph with the offline judge: wall time and peak memory per
stage, in one process and split across two Celery workers.

    python -m bench pipeline --data DIR [--executor inprocess|celery] [--sample-rate 0.05]

``DIR`` holds a generated day (``python -m bench ingest --data DIR`` writes a 1,000,000-span
day for 2024-05-01). The judge is the offline heuristic one; sampling uses ``--sample-rate``
as a production deployment would (judging every trace of a million-span day is not the
point of a nightly sample). In-process, peak RSS per stage is sampled from /proc every
100 ms during the stage; with Celery, each worker's peak (VmHWM) is reported.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DAY = "2024-05-01"
BROKER = "pyamqp://guest:guest@127.0.0.1:5672//"


def _rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    """(time, RSS MB) of this process every 100 ms, to find each stage's peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.samples.append((time.time(), _rss_mb()))

    def peak(self, start: float, end: float) -> float:
        inside = [mb for t, mb in self.samples if start <= t <= end + 0.1]
        return max(inside, default=0.0)


def _config(home: Path, rate: float) -> Path:
    path = home / "fi_dagster.yaml"
    path.write_text(f"sampling:\n  rate: {rate}\n  min_per_cohort: 30\n")
    return path


def _step_windows(instance, run_id: str) -> dict[str, tuple[float, float, str]]:
    starts, windows = {}, {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or not record.step_key:
            continue
        if event.event_type_value == "STEP_START":
            starts[record.step_key] = record.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            status = "ok" if event.event_type_value == "STEP_SUCCESS" else "FAILED"
            windows[record.step_key] = (
                starts.get(record.step_key, record.timestamp),
                record.timestamp,
                status,
            )
    return windows


def _print_steps(windows, sampler: RssSampler | None) -> None:
    print(f"{'step':<44} {'wall s':>8} {'peak RSS MB':>12}")
    for step, (start, end, status) in sorted(windows.items(), key=lambda kv: kv[1][0]):
        peak = f"{sampler.peak(start, end):,.0f}" if sampler else "-"
        print(f"{step:<44} {end - start:>8.1f} {peak:>12}  {status if status != 'ok' else ''}")


def _env(home: Path, data: Path, rate: float) -> dict[str, str]:
    return {
        "FI_HOME": str(home),
        "FI_TRACES_URI": str(data),
        "FI_WORK_URI": str(home / "work"),
        "FI_WAREHOUSE_URL": f"sqlite:///{home / 'warehouse.db'}",
        "FI_CONFIG": str(_config(home, rate)),
    }


def run_inprocess(data: Path, rate: float) -> None:
    from fi_dagster.runner import open_instance, run_partitions

    with tempfile.TemporaryDirectory(prefix="fi-pipeline-") as tmp:
        home = Path(tmp)
        os.environ.update(_env(home, data, rate))
        for name in ("OPENAI_API_KEY", "SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN", "DAGSTER_HOME"):
            os.environ.pop(name, None)
        instance = open_instance(home / "dagster")
        sampler = RssSampler()
        sampler.start()
        started = time.perf_counter()
        [outcome] = run_partitions([DAY], instance)
        wall = time.perf_counter() - started
        sampler.stop.set()
        print(
            f"in-process run: {'ok' if outcome.success else outcome.error}, wall {wall:.1f} s, "
            f"peak RSS {_rss_mb(field='VmHWM'):,.0f} MB"
        )
        _print_steps(_step_windows(instance, outcome.run_id), sampler)


def run_celery(data: Path, rate: float, workers: int) -> None:
    import dagster as dg
    import psycopg2

    from fi_dagster.distributed import launch_on_celery

    db = f"fi_bench_{secrets.token_hex(4)}"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {db}")
    procs: list[subprocess.Popen] = []
    try:
        with tempfile.TemporaryDirectory(prefix="fi-pipeline-") as tmp:
            home = Path(tmp)
            dagster_home = home / "dagster"
            dagster_home.mkdir()
            (dagster_home / "dagster.yaml").write_text(
                (Path(__file__).parents[1] / "dagster.yaml").read_text()
            )
            os.environ.update(_env(home, data, rate))
            os.environ.update(
                DAGSTER_HOME=str(dagster_home),
                DAGSTER_PG_URL=f"postgresql://postgres@127.0.0.1:5432/{db}",
                CELERY_BROKER_URL=BROKER,
                CELERY_RESULT_BACKEND="rpc://",
            )
            from fi_dagster.celery_app import app, worker_command

            app.control.purge()
            procs = [
                subprocess.Popen(
                    worker_command(f"bench-w{i}", sys.executable),
                    env=os.environ.copy(),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for i in range(workers)
            ]
            deadline = time.monotonic() + 90
            while (
                time.monotonic() < deadline and len(app.control.ping(timeout=1.0) or []) < workers
            ):
                pass
            instance = dg.DagsterInstance.get()
            started = time.perf_counter()
            result = launch_on_celery(DAY, instance)
            wall = time.perf_counter() - started
            peaks = [_rss_mb(p.pid, "VmHWM") for p in procs]
            print(
                f"celery run on {workers} workers: {'ok' if result.success else 'FAILED'}, "
                f"wall {wall:.1f} s, worker peak RSS {', '.join(f'{p:,.0f}' for p in peaks)} MB, "
                f"launcher peak RSS {_rss_mb(field='VmHWM'):,.0f} MB"
            )
            _print_steps(_step_windows(instance, result.run_id), None)
            instance.dispose()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        admin.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pipeline", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help=f"traces root with dt={DAY}/")
    parser.add_argument("--executor", choices=["inprocess", "celery"], default="inprocess")
    parser.add_argument("--sample-rate", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not (args.data / f"dt={DAY}").is_dir():
        print(f"{args.data}/dt={DAY} not found: run `python -m bench ingest --data {args.data}`")
        return 2
    if args.executor == "celery":
        run_celery(args.data.resolve(), args.sample_rate, args.workers)
    else:
        run_inprocess(args.data.resolve(), args.sample_rate)
    return 0
