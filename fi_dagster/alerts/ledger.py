"""The delivery ledger (``fi_alerts``): every alert is sent once, retried until it is.

The regressions of one cohort on one day become one alert (one Slack message), keyed by a
dedupe key derived from the partition, the cohort and what regressed, so re-materializing a
partition or a second sensor tick never sends twice.
A failed post stays ``pending`` with a backoff; only after ``max_attempts`` does it become
``failed``. Rows are claimed with a conditional UPDATE before sending, so two deliverers
(the asset and the retry sensor) never post the same alert concurrently.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from fi_dagster.alerts.messages import render_message
from fi_dagster.alerts.sinks import AlertSink, DeliveryError

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)
ALERT_GROUP = ["partition_date", "cohort"]


@dataclass
class DeliveryReport:
    enqueued: int = 0
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    errors: list[str] | None = None


def dedupe_key(alert: dict[str, Any]) -> str:
    what = sorted(f"{r['metric']}:{r['evaluator_or_stat']}" for r in alert["regressions"])
    identity = "|".join([alert["partition_date"], alert["cohort"], *what])
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def group_alerts(regressions: pd.DataFrame) -> list[dict[str, Any]]:
    """One alert per partition × cohort, listing every regression of that cohort."""
    alerts = []
    for (day, cohort), rows in regressions.groupby(ALERT_GROUP, sort=True):
        records = json.loads(rows.drop(columns=ALERT_GROUP).to_json(orient="records"))
        alerts.append({"partition_date": day, "cohort": cohort, "regressions": records})
    return alerts


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, capped at an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class AlertLedger:
    def __init__(self, engine: sa.Engine, table: sa.Table) -> None:
        self.engine = engine
        self.table = table

    def enqueue(self, regressions: pd.DataFrame, channel: str) -> int:
        """Add a pending alert for each cohort's regressions not already in the ledger."""
        if regressions.empty:
            return 0
        t = self.table
        added = 0
        with self.engine.begin() as conn:
            known = {
                row[0]
                for row in conn.execute(
                    sa.select(t.c.dedupe_key).where(
                        t.c.partition_date.in_(regressions["partition_date"].unique().tolist())
                    )
                )
            }
            for alert in group_alerts(regressions):
                key = dedupe_key(alert)
                if key in known:
                    continue
                known.add(key)
                conn.execute(
                    t.insert().values(
                        dedupe_key=key,
                        partition_date=alert["partition_date"],
                        channel=channel,
                        status="pending",
                        attempts=0,
                        created_at=_now(),
                        payload=json.dumps(alert),
                    )
                )
                added += 1
        return added

    def deliver(
        self,
        sink: AlertSink,
        *,
        max_attempts: int,
        partition_date: str | None = None,
        dagster_url: str | None = None,
    ) -> DeliveryReport:
        """Try every due pending alert (optionally of one partition) once."""
        report = DeliveryReport(errors=[])
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
        now = _now()
        query = sa.select(t.c.dedupe_key, t.c.payload, t.c.attempts).where(
            t.c.status == "pending",
            sa.or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now),
        )
        if partition_date is not None:
            query = query.where(t.c.partition_date == partition_date)
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query.order_by(t.c.created_at))]

    def _claim(self, key: str) -> bool:
        t = self.table
        now = _now()
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
                .values(status="sent", attempts=attempts, sent_at=_now(), last_error=None)
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
                    next_attempt_at=_now() + backoff(attempts),
                )
            )
        log.warning("alert %s not delivered (attempt %d): %s", key, attempts, error)
        report.errors.append(error)
        if final:
            report.failed += 1
        else:
            report.retry_later += 1

    def rows(self, partition_date: str | None = None) -> pd.DataFrame:
        query = sa.select(self.table)
        if partition_date is not None:
            query = query.where(self.table.c.partition_date == partition_date)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)
