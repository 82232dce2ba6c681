"""Ingestion of a 1,000,000-span OTLP JSON day (~20 files): spans/s, wall time, peak RSS, and
in the same run the floor of any Python reader — ``json.loads`` of every line, nothing else.

    python -m bench ingest [--spans 1000000] [--files 20] [--data DIR] [--workers 1 2]

The day is generated with ``fi_dagster.demo.generate_day``, one file at a time (memory stays
bounded), into ``--data`` (kept and reused when given) or a temporary folder. The floor and the
ingestion each run in a fresh subprocess, so peak RSS (``ru_maxrss``) is the ingestion's own;
ingestion runs once per ``--workers`` setting (``IngestConfig.workers``), and with worker
processes the largest worker's peak RSS is reported too (parent + workers is the machine's).
Targets (issue 3): ingestion ≤ 2× the floor, peak RSS ≤ 1.5 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAY = dt.date(2024, 5, 1)
SPANS_PER_TRACE_GUESS = 4.3


class _NumberedFiles:
    """A store wrapper giving each ``generate_day`` call's single file its own name and hour."""

    def __init__(self, store, number: int, hour: int) -> None:
        self.store, self.number, self.hour = store, number, hour

    def write_bytes(self, key: str, data: bytes) -> str:
        name = f"dt={DAY.isoformat()}/hour={self.hour:02d}/traces-{self.number:04d}.jsonl"
        return self.store.write_bytes(name, data)


def generate(root: Path, spans: int, files: int) -> tuple[int, int]:
    """Write about ``spans`` spans in ``files`` files; returns (spans, bytes) written."""
    from fi_dagster.demo import generate_day
    from fi_dagster.storage import open_store

    store = open_store(str(root))
    written = traces = 0
    for number in range(files):
        spans_per_trace = written / traces if traces else SPANS_PER_TRACE_GUESS
        per_file = max(1, round((spans - written) / (files - number) / spans_per_trace))
        target = _NumberedFiles(store, number, hour=number * 24 // files)
        summary = generate_day(target, DAY, per_file, seed=number, files=1)
        written, traces = written + summary.spans, traces + summary.traces
        print(f"  file {number + 1}/{files}: {written:,} spans so far", flush=True)
    size = sum(p.stat().st_size for p in root.rglob("*.jsonl"))
    (root / "bench.json").write_text(json.dumps({"spans": written, "files": files}))
    return written, size


def measure_floor(root: Path) -> dict:
    lines = 0
    start = time.perf_counter()
    for path in sorted(root.rglob("*.jsonl")):
        with path.open("rb") as f:
            for raw in f:
                json.loads(raw)
                lines += 1
    return {"wall_s": time.perf_counter() - start, "lines": lines}


def measure_ingest(root: Path, workers: int) -> dict:
    from fi_dagster.config import CohortMapping, IngestConfig
    from fi_dagster.storage import open_store
    from fi_dagster.traces.ingest import ingest_partition

    with tempfile.TemporaryDirectory(prefix="fi-bench-") as folder:
        out = Path(folder) / "spans.parquet"
        start = time.perf_counter()
        result = ingest_partition(
            open_store(str(root)),
            DAY.isoformat(),
            CohortMapping(),
            open_store(str(out.parent / "quarantine")),
            out,
            IngestConfig(workers=workers),
        )
        wall = time.perf_counter() - start
        return {
            "wall_s": wall,
            "spans": result.spans,
            "traces": result.traces,
            "parquet_mb": out.stat().st_size / 1e6,
            "bad": int(result.stats[["bad_lines", "bad_spans"]].sum().sum()),
        }


def _child(mode: str, root: Path, workers: int = 1) -> dict:
    """Run one measurement in a fresh interpreter; add its CPU time and peak RSS."""
    cmd = [sys.executable, "-m", "bench", "ingest", "--measure", mode, "--data", str(root)]
    cmd += ["--workers", str(workers)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _report_child(mode: str, root: Path, workers: int) -> None:
    figures = measure_floor(root) if mode == "floor" else measure_ingest(root, workers)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures["cpu_s"] = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime
    figures["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    figures["worker_peak_rss_mb"] = children.ru_maxrss / 1024  # the largest worker's
    print(json.dumps(figures))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ingest", description=__doc__)
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--data", type=Path, help="folder for the generated day (kept)")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="ingest.workers settings to run"
    )
    parser.add_argument("--measure", choices=("floor", "ingest"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        _report_child(args.measure, args.data, args.workers[0])
        return 0
    with tempfile.TemporaryDirectory(prefix="fi-bench-day-") as tmp:
        root = args.data or Path(tmp)
        marker = root / "bench.json"
        if marker.exists() and json.loads(marker.read_text())["files"] == args.files:
            spans = json.loads(marker.read_text())["spans"]
            size = sum(p.stat().st_size for p in root.rglob("*.jsonl"))
            print(f"reusing {spans:,} generated spans in {root}")
        else:
            print(f"generating ~{args.spans:,} spans in {args.files} files under {root} ...")
            spans, size = generate(root, args.spans, args.files)
        floor = _child("floor", root)
        runs = {workers: _child("ingest", root, workers) for workers in args.workers}
        _print(spans, args.files, size, floor, runs)
        ok = all(r["spans"] == spans and not r["bad"] for r in runs.values())
        return 0 if ok else 1


def _print(spans: int, files: int, size: int, floor: dict, runs: dict[int, dict]) -> None:
    rows = [
        ("input", f"{spans:,} spans, {files} files, {floor['lines']:,} lines, {size / 1e9:.2f} GB"),
        ("json.loads floor", f"{floor['wall_s']:.1f} s wall, {floor['cpu_s']:.1f} s CPU"),
    ]
    for workers, ingest in runs.items():
        rows += _ingest_rows(f"workers={workers}", ingest, floor)
    rows.append(("machine", f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def _ingest_rows(label: str, ingest: dict, floor: dict) -> list[tuple[str, str]]:
    ratio = ingest["wall_s"] / floor["wall_s"]
    rss = f"{ingest['peak_rss_mb']:,.0f} MB (target <= 1536 MB)"
    if ingest["worker_peak_rss_mb"]:
        rss += f"; largest worker {ingest['worker_peak_rss_mb']:,.0f} MB"
    return [
        (f"ingestion, {label}", f"{ingest['wall_s']:.1f} s wall, {ingest['cpu_s']:.1f} s CPU"),
        ("  throughput", f"{ingest['spans'] / ingest['wall_s']:,.0f} spans/s"),
        ("  ingestion / floor", f"{ratio:.2f}x (target <= 2x)"),
        ("  peak RSS", rss),
        ("  output", f"{ingest['parquet_mb']:.0f} MB Parquet, {ingest['traces']:,} traces"),
    ]
