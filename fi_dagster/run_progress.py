"""What ``fi-dagster run`` and ``demo`` print while the days run.

Dagster's own console log is a screenful per step, so the commands keep it quiet and print
this instead: one line per day, and under a day that takes long, the few lines a person
watching wants: the steps that took long as they finish, what an asset warned about, and
what a long step reported while it ran (ingestion's progress, say).
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import dagster as dg

SLOW_STEP_S = 5.0  # a step that runs longer gets its own lines


class RunProgress:
    """``day`` is ``run_partitions``'s ``on_progress``; ``event`` its ``on_event``."""

    def __init__(self, total: int, stream: TextIO | None = None, slow_s: float = SLOW_STEP_S):
        self.total, self.slow_s = total, slow_s
        self.stream = stream or sys.stderr
        self.done = 0
        self.started: dict[str, float] = {}  # step key → when it started
        self.header_open = False  # the day's header line awaits its outcome

    def day(self, day: str, outcome: Any) -> None:
        """The day's header when it starts (``outcome`` None), its outcome when it ends."""
        if outcome is None:
            self.started.clear()
            self._write(f"  [{self.done + 1}/{self.total}] {day} …", end="")
            self.header_open = True
            return
        self.done += 1
        status = "ok" if outcome.success else f"FAILED: {outcome.error}"
        if self.header_open:
            self._write(f" {status} ({outcome.seconds:.1f}s)")
        else:
            self._write(f"  [{self.done}/{self.total}] {day} {status} ({outcome.seconds:.1f}s)")
        self.header_open = False

    def event(self, entry: dg.EventLogEntry) -> None:
        """One entry of the running day's event log."""
        step, event = entry.step_key, entry.dagster_event
        if event is None:  # a message an asset logged
            running = entry.timestamp - self.started.get(step or "", entry.timestamp)
            if entry.level >= logging.WARNING or (
                entry.level >= logging.INFO and running >= self.slow_s
            ):
                self._line(f"{step or 'run'}: {entry.user_message}")
        elif event.event_type == dg.DagsterEventType.STEP_START and step:
            self.started[step] = entry.timestamp
        elif event.event_type == dg.DagsterEventType.STEP_SUCCESS and step in self.started:
            took = entry.timestamp - self.started[step]
            if took >= self.slow_s:
                self._line(f"{step} done in {took:.1f}s")

    def _line(self, text: str) -> None:
        if self.header_open:  # end the header line before the first line under it
            self._write("")
            self.header_open = False
        self._write(f"      {text}")

    def _write(self, text: str, end: str = "\n") -> None:
        print(text, end=end, file=self.stream, flush=True)
