"""What the commands print while a day runs: read from the real run's event log as it goes."""

from __future__ import annotations

import io

from dagster import DagsterEventType

from fi_dagster.run_progress import RunProgress
from fi_dagster.runner import run_partitions

DAY = "2026-11-10"


def test_every_long_step_and_every_warning_is_printed_under_its_day(nightly):
    nightly.generate(DAY, traces=60)
    nightly.traces.write_bytes(f"dt={DAY}/hour=23/broken.jsonl", b"{not json\n")
    out = io.StringIO()
    progress = RunProgress(1, out, slow_s=0)  # every step counts as long
    [outcome] = run_partitions(
        [DAY], nightly.instance, nightly.resources, progress.day, on_event=progress.event
    )
    assert outcome.success
    lines = out.getvalue().splitlines()
    assert lines[0] == f"  [1/1] {DAY} …"
    assert lines[-1].startswith(f"  [1/1] {DAY} ok (")
    done = {line.split()[0] for line in lines if " done in " in line}
    succeeded = nightly.instance.all_logs(outcome.run_id, of_type=DagsterEventType.STEP_SUCCESS)
    assert done == {e.step_key for e in succeeded} and "normalized_spans" in done
    assert any("evaluate_shard[" in s for s in done)  # fanned-out steps are named too
    warned = [line for line in lines if "quarantined" in line]
    assert len(warned) == 1 and warned[0].strip().startswith("normalized_spans: ")
    files = len(nightly.traces.list(f"dt={DAY}/"))
    assert any(f"read {files}/{files} files" in line for line in lines)  # ingestion's progress
    assert not any("PickledObjectFilesystemIOManager" in line for line in lines)  # no debug


def test_a_quick_healthy_day_is_one_line(nightly):
    nightly.generate(DAY, traces=30)
    out = io.StringIO()
    progress = RunProgress(1, out, slow_s=3600)
    [outcome] = run_partitions(
        [DAY], nightly.instance, nightly.resources, progress.day, on_event=progress.event
    )
    assert outcome.success
    assert out.getvalue().splitlines() == [f"  [1/1] {DAY} … ok ({outcome.seconds:.1f}s)"]


def test_a_failing_progress_display_cannot_fail_the_day(nightly):
    nightly.generate(DAY, traces=20)
    heard: list[str] = []

    def broken(entry) -> None:  # noqa: ANN001
        heard.append(entry.step_key or "")
        raise RuntimeError("terminal went away")

    [outcome] = run_partitions([DAY], nightly.instance, nightly.resources, on_event=broken)
    assert outcome.success and len(heard) > 10  # it kept being called, and the day finished
