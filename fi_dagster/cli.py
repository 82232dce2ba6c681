"""``fi-dagster``: demo, run, generate, report."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path


def _iso_date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-12-03") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fi-dagster", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo", help="a week of synthetic traces through the nightly graph, offline"
    )
    demo.add_argument(
        "--home", type=Path, default=Path(".fi_dagster"), help="where to put everything"
    )
    demo.add_argument("--days", type=int, default=7)
    demo.add_argument("--traces", type=int, default=800, help="traces per day")
    demo.add_argument(
        "--end-date", type=_iso_date, default=None, help="last day (default yesterday)"
    )
    demo.add_argument("--seed", type=int, default=7)

    run = sub.add_parser("run", help="materialize the nightly graph for a partition or a range")
    run.add_argument("--date", type=_iso_date, default=None, help="partition (default yesterday)")
    run.add_argument("--end-date", type=_iso_date, default=None, help="last partition of a range")
    run.add_argument("--keep-going", action="store_true", help="continue after a failed partition")

    gen = sub.add_parser("generate", help="write synthetic OTLP JSON Lines trace files")
    gen.add_argument("--out", required=True, help="root URI: a path, file:// or s3://bucket/prefix")
    gen.add_argument("--date", type=_iso_date, required=True)
    gen.add_argument("--end-date", type=_iso_date, default=None)
    gen.add_argument("--traces", type=int, default=1000, help="traces per day")
    gen.add_argument("--files", type=int, default=4, help="files per day")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--gzip", action="store_true")
    gen.add_argument(
        "--regression",
        action="append",
        default=[],
        metavar="KIND:DIM=VALUE[:STEP][:FACTOR]",
        help="inject e.g. quality:tenant=northwind or latency:tenant=acme:tool_args_llm:3",
    )

    report = sub.add_parser("report", help="print a partition's quality / cost / latency summary")
    report.add_argument("--date", type=_iso_date, default=None)
    report.add_argument("--end-date", type=_iso_date, default=None)
    report.add_argument("--format", choices=["table", "json", "html"], default="table")
    report.add_argument("--out", type=Path, default=None, help="write to a file instead of stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # libraries that set their own loggers to
        handler.setLevel(logging.WARNING)  # INFO (Great Expectations) still print nothing below
    from fi_dagster import commands

    handler = {
        "demo": commands.demo,
        "run": commands.run,
        "generate": commands.generate,
        "report": commands.report,
    }[args.command]
    try:
        return handler(args)
    except commands.UserError as exc:
        print(f"fi-dagster {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
