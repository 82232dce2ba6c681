"""What each ``fi-dagster`` command does; ``cli.py`` only parses arguments."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, date, datetime, timedelta

from fi_dagster.config import ConfigError, load_config


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def _yesterday() -> str:
    return (datetime.now(UTC).date() - timedelta(days=1)).isoformat()


def _print_alerts(ledger, days: list[str]) -> None:
    rows = [r for d in days for r in ledger.rows(d).to_dict("records")]
    if not rows:
        print("\nNo alerts raised.")
        return
    print(f"\nAlerts raised ({len(rows)}):")
    from fi_dagster.alerts.messages import alert_view

    for row in rows:
        view = alert_view(json.loads(row["payload"]))
        print(f"  - [{row['status']} via {row['channel']}] {view.title}")
        for line in view.body.splitlines()[1:]:  # Slack mrkdwn → plain terminal text
            plain = line.strip().replace("_where:_", "where:").replace("*", "").replace("`", "")
            print(f"      {plain}")


def _load_config_or_fail():
    try:
        return load_config()
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def demo(args) -> int:
    from fi_dagster.demo.run import run_demo

    return run_demo(args.home, args.days, args.traces, args.end_date or _yesterday(), args.seed)


def run(args) -> int:
    from fi_dagster.resources.warehouse import warehouse_for
    from fi_dagster.run_progress import RunProgress
    from fi_dagster.runner import date_range, open_instance, run_partitions
    from fi_dagster.settings import Settings
    from fi_dagster.summary import day_summary, format_table

    _load_config_or_fail()
    try:
        days = date_range(args.date or _yesterday(), args.end_date)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    settings = Settings.from_env()
    instance = open_instance()
    print(
        f"Running the nightly graph for {len(days)} partition(s) from {settings.traces_uri}",
        file=sys.stderr,
    )
    started = time.perf_counter()
    progress = RunProgress(len(days))
    outcomes = run_partitions(
        days,
        instance,
        on_progress=progress.day,
        stop_on_failure=not args.keep_going,
        on_event=progress.event,
    )
    warehouse = warehouse_for(settings.warehouse_url)
    ok_days = [o.partition_date for o in outcomes if o.success]
    if ok_days:
        print(format_table([day_summary(warehouse, d) for d in ok_days]))
        from fi_dagster.alerts.ledger import AlertLedger

        _print_alerts(AlertLedger(warehouse.engine, warehouse.table("fi_alerts")), ok_days)
    print(
        f"\n{len(ok_days)}/{len(days)} partition(s) in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    failed = [o for o in outcomes if not o.success]
    for outcome in failed:
        print(f"partition {outcome.partition_date} failed: {outcome.error}", file=sys.stderr)
    return 1 if failed or len(outcomes) < len(days) else 0


def generate(args) -> int:
    from fi_dagster.demo import generate_day
    from fi_dagster.demo.run import parse_regression
    from fi_dagster.runner import date_range
    from fi_dagster.storage.object_store import open_store

    try:
        regressions = [parse_regression(text) for text in args.regression]
        days = date_range(args.date, args.end_date)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    store = open_store(args.out)
    for day in days:
        summary = generate_day(
            store,
            date.fromisoformat(day),
            args.traces,
            seed=args.seed,
            regressions=regressions if day == days[-1] else (),
            files=args.files,
            compression="gzip" if args.gzip else "none",
        )
        print(
            f"{day}: {summary.traces} traces, {summary.spans} spans in {len(summary.files)} files"
        )
    return 0


def report(args) -> int:
    from fi_dagster.reports import render_report
    from fi_dagster.resources.warehouse import warehouse_for
    from fi_dagster.runner import date_range
    from fi_dagster.settings import Settings

    try:
        days = date_range(args.date or _yesterday(), args.end_date)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    warehouse = warehouse_for(Settings.from_env().warehouse_url)
    missing = [d for d in days if d not in set(warehouse.partitions("fi_quality_daily"))]
    if missing:
        raise UserError(
            f"no evaluated partition for {', '.join(missing)} in the warehouse; "
            "run `fi-dagster run --date D` first"
        )
    text = render_report(warehouse, days, args.format)
    if args.out:
        args.out.write_text(text)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


__all__ = ["UserError", "demo", "run", "generate", "report"]
