"""The warehouse (SQLAlchemy URL): SQLite by default, PostgreSQL in production."""

from functools import cache

import dagster as dg

from fi_dagster.settings import Settings
from fi_dagster.warehouse.store import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """``url`` falls back to ``FI_WAREHOUSE_URL`` (it may hold a password, so it stays in env)."""

    url: str | None = None

    def warehouse(self) -> Warehouse:
        return warehouse_for(self.url or Settings.from_env().warehouse_url)


@cache
def warehouse_for(url: str) -> Warehouse:
    """One engine (and one schema check) per URL per process."""
    return Warehouse(url)
