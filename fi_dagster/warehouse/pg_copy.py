"""Bulk load into PostgreSQL with ``COPY ... FROM STDIN`` (about 5x faster than INSERTs).

Rows arrive as driver-ready dicts (Python scalars, None for NULL) and are written as CSV:
an unquoted empty field is NULL, every string is quoted, so '' stays an empty string.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
from typing import Any

import sqlalchemy as sa


def copy_rows(conn: sa.Connection, table: sa.Table, records: list[dict[str, Any]]) -> None:
    """Append ``records`` to ``table`` inside ``conn``'s current transaction."""
    columns = list(records[0])
    data = io.StringIO("\n".join(",".join(map(_cell, row.values())) for row in records))
    names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    statement = f"COPY {table.name} ({names}) FROM STDIN WITH (FORMAT csv)"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(statement, data)
    finally:
        cursor.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.date):  # datetime too
        return value.isoformat()
    raise TypeError(f"cannot store a {type(value).__name__} in the warehouse: {value!r:.80}")
