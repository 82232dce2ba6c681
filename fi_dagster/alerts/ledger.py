"""The delivery ledger (``fi_alerts``): every alert is sent once, retried until it is.

The regressions of one cohort on one day become one alert (one Slack message). Each
regression is paged once per partition: enqueueing the same partition again (a
re-materialization, a second sensor tick, the asset and the sensor racing) adds nothing
for regressions already in the ledger, and the primary key on ``dedupe_key`` settles races.
A failed post stays ``pending`` with a growing backoff; after ``max_attempts`` it becomes
``failed``. Rows are claimed with a conditional UPDATE before sending, so two deliverers
never post the same alert.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from fi_dagster.alerts.grouping import alert_identities, dedupe_key, group_alerts, without_known
from fi_dagster.alerts.messages import render_message
from fi_dagster.alerts.sinks import AlertSink, DeliveryError

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)


@dataclass
class DeliveryReport:
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, capped at an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _row(payload: dict[str, Any], channel: str, now: datetime) -> dict[str, Any]:
    return {
        "dedupe_key": dedupe_key(payload),
        "partition_date": payload["partition_date"],
        "channel": channel,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "payload": json.dumps(payload),
    }


def _lock(conn: sa.Connection) -> None:
    """Serialize enqueuers for the rest of the transaction (SQLite or PostgreSQL)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('fi_dagster.fi_alerts'))"))


class AlertLedger:
    """`clock` (naive UTC) is injectable so tests can let a backoff expire without waiting."""

    def __init__(
        self, engine: sa.Engine, table: sa.Table, clock: Callable[[], datetime] = _now
    ) -> None:
        self.engine = engine
        self.table = table
        self.clock = clock

    def enqueue(self, regressions: pd.DataFrame, channel: str, run_id: str | None = None) -> int:
        """Add a pending alert per cohort and day for regressions not paged yet; returns how
        many alerts were added. Enqueuers are serialized, so racing ones cannot both add."""
        if regressions.empty:
            return 0
        added = 0
        with self.engine.begin() as conn:
            _lock(conn)
            known = self._known_identities(conn, regressions["partition_date"].unique().tolist())
            for alert in group_alerts(regressions, run_id):
                fresh = without_known(alert, known)
                if fresh is not None:
                    conn.execute(self.table.insert().values(**_row(fresh, channel, self.clock())))
                    known.update(alert_identities(fresh))
                    added += 1
        return added

    def add(self, payload: dict[str, Any], channel: str) -> bool:
        """Insert one pending notice (e.g. a failed run); False when its key is already in."""
        with self.engine.begin() as conn:
            _lock(conn)
            key = dedupe_key(payload)
            exists = conn.scalar(sa.select(sa.func.count()).where(self.table.c.dedupe_key == key))
            if not exists:
                conn.execute(self.table.insert().values(**_row(payload, channel, self.clock())))
        return not exists

    def _known_identities(self, conn: sa.Connection, days: list[str]) -> set[str]:
        query = sa.select(self.table.c.payload).where(self.table.c.partition_date.in_(days))
        payloads = [json.loads(p or "{}") for p in conn.scalars(query)]
        return {i for p in payloads for i in alert_identities(p)}

    def deliver(
        self,
        sink: AlertSink,
        *,
        max_attempts: int,
        partition_date: str | None = None,
        dagster_url: str | None = None,
    ) -> DeliveryReport:
        """Try every due pending alert (optionally of one partition) once."""
        report = DeliveryReport()
        for key, payload, attempts in self._due(partition_date):
            if not self._claim(key):
                continue
            try:
                sink.send(render_message(json.loads(payload), dagster_url))
            except DeliveryError as exc:
                self._record_failure(key, attempts + 1, str(exc), max_attempts, report)
                continue
            self._mark_sent(key, attempts + 1)
            report.sent += 1
        return report

    def _due(self, partition_date: str | None) -> list[tuple[str, str, int]]:
        t = self.table
        query = sa.select(t.c.dedupe_key, t.c.payload, t.c.attempts).where(
            t.c.status == "pending",
            sa.or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= self.clock()),
        )
        if partition_date is not None:
            query = query.where(t.c.partition_date == partition_date)
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query.order_by(t.c.created_at))]

    def _claim(self, key: str) -> bool:
        t = self.table
        now = self.clock()
        with self.engine.begin() as conn:
            claimed = conn.execute(
                t.update()
                .where(
                    t.c.dedupe_key == key,
                    t.c.status == "pending",
                    sa.or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now),
                )
                .values(next_attempt_at=now + CLAIM_LEASE)
            )
            return claimed.rowcount == 1

    def _mark_sent(self, key: str, attempts: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                self.table.update()
                .where(self.table.c.dedupe_key == key)
                .values(status="sent", attempts=attempts, sent_at=self.clock(), last_error=None)
            )

    def _record_failure(
        self, key: str, attempts: int, error: str, max_attempts: int, report: DeliveryReport
    ) -> None:
        final = attempts >= max_attempts
        with self.engine.begin() as conn:
            conn.execute(
                self.table.update()
                .where(self.table.c.dedupe_key == key)
                .values(
                    status="failed" if final else "pending",
                    attempts=attempts,
                    last_error=error[:500],
                    next_attempt_at=self.clock() + backoff(attempts),
                )
            )
        log.warning("alert %s not delivered (attempt %d): %s", key, attempts, error)
        report.errors.append(error)
        if final:
            report.failed += 1
        else:
            report.retry_later += 1

    def rows(self, partition_date: str | None = None) -> pd.DataFrame:
        query = sa.select(self.table).order_by(self.table.c.created_at)
        if partition_date is not None:
            query = query.where(self.table.c.partition_date == partition_date)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)
