"""The warehouse: contract tables and atomic per-partition writes (SQLite or PostgreSQL)."""

from fi_dagster.warehouse.store import Warehouse, WarehouseWriteError, default_warehouse_url
from fi_dagster.warehouse.tables import LEDGER_TABLES, PARTITIONED_TABLES, metadata

__all__ = [
    "LEDGER_TABLES",
    "PARTITIONED_TABLES",
    "Warehouse",
    "WarehouseWriteError",
    "default_warehouse_url",
    "metadata",
]
