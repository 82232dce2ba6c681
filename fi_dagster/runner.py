"""Run the nightly graph for a range of partitions through Dagster, one partition at a time.

Used by ``fi-dagster run`` and ``fi-dagster demo``: each day is a real Dagster run recorded
in an on-disk instance, so it shows in ``dagster dev`` afterwards like a scheduled run.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from fi_dagster.definitions import default_resources, defs
from fi_dagster.jobs import nightly_job
from fi_dagster.settings import fi_home

log = logging.getLogger(__name__)
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@dataclass
class PartitionRun:
    partition_date: str
    run_id: str
    success: bool
    seconds: float
    error: str | None = None


def date_range(start: str, end: str | None = None) -> list[str]:
    first = date.fromisoformat(start)
    last = date.fromisoformat(end) if end else first
    if last < first:
        raise ValueError(f"--end-date {end} is before --date {start}")
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def open_instance(dagster_home: Path | None = None) -> dg.DagsterInstance:
    """The instance in ``dagster_home`` if given; else ``$DAGSTER_HOME``'s if set; else an
    on-disk instance under ``$FI_HOME/dagster``."""
    if dagster_home is None and os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    home = (dagster_home or fi_home() / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():  # local SQLite storage; no telemetry leaves the machine
        config.write_text("telemetry:\n  enabled: false\n")
    return dg.DagsterInstance.from_config(str(home))


def run_partitions(
    partitions: Iterable[str],
    instance: dg.DagsterInstance,
    resources: Mapping[str, object] | None = None,
    on_progress: Callable[[str, PartitionRun | None], None] | None = None,
    stop_on_failure: bool = True,
    on_event: Callable[[dg.EventLogEntry], None] | None = None,
) -> list[PartitionRun]:
    """Materialize the whole graph for each partition, in date order.

    ``on_progress`` hears of each day as it starts and ends; ``on_event`` gets every entry of
    the running day's event log (step starts and ends, what assets log) as it is written.
    """
    job = defs.resolve_job_def(nightly_job.name)
    merged = {**default_resources(), **(resources or {})}
    outcomes = []
    for day in partitions:
        if on_progress:
            on_progress(day, None)
        started = time.perf_counter()
        run_id = str(uuid.uuid4())
        if on_event:
            instance.add_event_listener(run_id, _never_raising(on_event))
        result = job.execute_in_process(
            run_config=QUIET_LOGS,
            instance=instance,
            run_id=run_id,
            partition_key=day,
            resources=merged,
            raise_on_error=False,
            tags={"fi_dagster/trigger": "cli"},
        )
        outcome = PartitionRun(
            day, result.run_id, result.success, time.perf_counter() - started, _failure(result)
        )
        outcomes.append(outcome)
        if on_progress:
            on_progress(day, outcome)
        if not outcome.success and stop_on_failure:
            break
    return outcomes


def _never_raising(
    listener: Callable[[dg.EventLogEntry], None],
) -> Callable[[dg.EventLogEntry], None]:
    """The listener runs inside the run's event handling: showing progress must not be able
    to fail the day, so its errors are logged (once) and otherwise ignored."""
    failed = False

    def listen(entry: dg.EventLogEntry) -> None:
        nonlocal failed
        try:
            listener(entry)
        except Exception:
            if not failed:
                log.warning("progress display failed; the run goes on", exc_info=True)
            failed = True

    return listen


def _failure(result: dg.ExecuteInProcessResult) -> str | None:
    """The first step failure's own message (e.g. a missing partition folder), not a traceback."""
    if result.success:
        return None
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            while error and error.cause and error.message.startswith("dagster."):
                error = error.cause
            cause = error.cause if error and error.cause else error
            text = (cause or error).message.strip() if (cause or error) else "step failed"
            return f"{event.step_key}: {text.splitlines()[0] if text else 'failed'}"
    return "run failed"
