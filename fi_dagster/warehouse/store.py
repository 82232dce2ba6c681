"""Read and atomically replace daily partitions of the warehouse tables (SQLite or PostgreSQL).

Re-materializing a day deletes its rows and inserts the new ones in one transaction, so a
re-run or a backfill never duplicates rows and readers never see a half-written day.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from fi_dagster.warehouse.pg_copy import copy_rows
from fi_dagster.warehouse.rows import to_frame, to_records
from fi_dagster.warehouse.tables import LEDGER_TABLES, metadata

SQLITE_BUSY_TIMEOUT_S = 60  # several processes (Dagster steps) may write the same file


class WarehouseWriteError(RuntimeError):
    """Replacing a partition failed; the partition still holds its previous rows."""


def default_warehouse_url(home: Path) -> str:
    """The embedded default: a SQLite file ``warehouse.db`` under ``home``."""
    return f"sqlite:///{Path(home).expanduser().absolute() / 'warehouse.db'}"


class Warehouse:
    """The warehouse behind a SQLAlchemy URL; creates missing tables on open."""

    def __init__(self, url: str) -> None:
        self.engine = _create_engine(url)
        _create_tables(self.engine)

    def table(self, name: str) -> sa.Table:
        """The table called ``name``; ``ValueError`` listing the known ones otherwise."""
        if name not in metadata.tables:
            known = ", ".join(sorted(metadata.tables))
            raise ValueError(f"unknown warehouse table {name!r}; known tables: {known}")
        return metadata.tables[name]

    def replace_partition(self, table: str, partition_date: str, df: pd.DataFrame) -> int:
        """Make ``df`` the whole content of one day of ``table``; returns rows written.

        Columns missing from ``df`` are NULL, NaN/NaT/NA become NULL, and a column the table
        does not have is an error. On any failure the previous rows stay.
        """
        target = self._partitioned(table)
        records = to_records(target, _check_date(partition_date), df)
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.delete(target).where(target.c.partition_date == partition_date))
                if records:
                    self._insert(conn, target, records)
        except Exception as exc:
            cause = getattr(exc, "orig", None) or exc  # the driver's message, not 10 rows of SQL
            raise WarehouseWriteError(
                f"replacing {table} partition {partition_date} failed, previous rows kept: {cause}"
            ) from exc
        return len(records)

    def read_partition(self, table: str, partition_date: str) -> pd.DataFrame:
        target = self.table(table)
        return self._read(target, target.c.partition_date == _check_date(partition_date))

    def read_range(self, table: str, start: str, end: str) -> pd.DataFrame:
        """Rows whose ``partition_date`` lies in ``[start, end]`` (inclusive ISO dates)."""
        target = self.table(table)
        return self._read(
            target, target.c.partition_date.between(_check_date(start), _check_date(end))
        )

    def partitions(self, table: str) -> list[str]:
        """The days that have rows in ``table``, ascending."""
        column = self.table(table).c.partition_date
        with self.engine.connect() as conn:
            return list(conn.scalars(sa.select(column).distinct().order_by(column)))

    def url_for_display(self) -> str:
        """The URL with any password masked, safe to log."""
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()

    def _partitioned(self, table: str) -> sa.Table:
        target = self.table(table)
        if table in LEDGER_TABLES:
            raise ValueError(f"{table} is a ledger, not partition-replaced; update it by key")
        return target

    def _insert(self, conn: sa.Connection, target: sa.Table, records: list[dict[str, Any]]) -> None:
        if self.engine.dialect.driver == "psycopg2":
            copy_rows(conn, target, records)
        else:
            conn.execute(sa.insert(target), records)

    def _read(self, target: sa.Table, where: sa.ColumnElement[bool]) -> pd.DataFrame:
        query = sa.select(target).where(where).order_by(target.c.partition_date)
        with self.engine.connect() as conn:
            return to_frame(target, conn.execute(query))


def _check_date(value: str) -> str:
    try:
        if len(value) == 10 and dt.date.fromisoformat(value):
            return value
    except (TypeError, ValueError):
        pass
    raise ValueError(f"partition_date must be 'YYYY-MM-DD', got {value!r}")


WAL_SWITCH_ATTEMPTS = 20  # about 4 s of backoff in all


def _create_engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True)
    if (
        parsed.database
        and parsed.database != ":memory:"
        and not parsed.database.startswith("file:")
    ):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed)
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside one writer; the busy timeout makes writers queue up."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    _use_wal(cursor)
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch a new database file to WAL (it stays so). Connections opening a new file at the
    same moment can get "database is locked" at once, busy timeout or not: back off, retry."""
    for attempt in range(WAL_SWITCH_ATTEMPTS):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_SWITCH_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1) * (1 + random.random()))


def _create_tables(engine: sa.Engine) -> None:
    """``create_all`` under a lock, so processes opening a new warehouse together don't race.

    Tables from an older fi_dagster get the columns added since (nullable, so old rows stay
    valid): upgrading never needs a hand-written migration.
    """
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('fi_dagster.tables'))"))
        metadata.create_all(conn)
        _add_missing_columns(conn)


def _add_missing_columns(conn: sa.Connection) -> None:
    inspector = sa.inspect(conn)
    preparer = conn.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        existing = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in existing:
                continue
            kind = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(
                f"ALTER TABLE {preparer.quote(table.name)} "
                f"ADD COLUMN {preparer.quote(column.name)} {kind}"
            )
