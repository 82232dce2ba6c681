"""Ledger payloads that are not regressions: a failed pipeline run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MAX_MESSAGE_CHARS = 1500


def run_failure_notice(
    run_id: str, job_name: str, partition_date: str | None, message: str | None
) -> dict[str, Any]:
    """A run failure as a ledger payload; keyed by the run, so it is posted once."""
    return {
        "kind": "run_failure",
        "notice_id": run_id,
        "run_id": run_id,
        "job_name": job_name,
        "partition_date": partition_date or datetime.now(UTC).date().isoformat(),
        "message": (message or "").strip()[:MAX_MESSAGE_CHARS] or None,
    }
