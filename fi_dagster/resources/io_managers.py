"""IO managers: intermediates as Parquet in the work store, contract tables in the warehouse.

Both write one partition at a time and replace it whole, so re-runs and backfills are safe.
"""

import io

import dagster as dg
import pandas as pd

from fi_dagster.resources.warehouse import warehouse_for
from fi_dagster.settings import Settings
from fi_dagster.storage.object_store import open_store
from fi_dagster.warehouse.store import Warehouse


def _partition(context: dg.OutputContext | dg.InputContext) -> str:
    if isinstance(context, dg.InputContext):
        return context.asset_partition_key
    return context.partition_key


class ParquetIOManager(dg.ConfigurableIOManager):
    """``<work_uri>/<asset>/dt=<partition>.parquet``; work_uri falls back to ``FI_WORK_URI``."""

    work_uri: str | None = None
    s3_endpoint_url: str | None = None

    def _store(self):
        s = Settings.from_env()
        return open_store(
            self.work_uri or s.work_uri, endpoint_url=self.s3_endpoint_url or s.s3_endpoint_url
        )

    @staticmethod
    def _key(context: dg.OutputContext | dg.InputContext) -> str:
        name = "/".join(context.asset_key.path)
        return f"{name}/dt={_partition(context)}.parquet"

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        buffer = io.BytesIO()
        obj.to_parquet(buffer, index=False)
        uri = self._store().write_bytes(self._key(context), buffer.getvalue())
        context.add_output_metadata({"path": dg.MetadataValue.path(uri), "rows": len(obj)})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        key = self._key(context)
        store = self._store()
        if not store.exists(key):
            raise FileNotFoundError(
                f"{store.uri(key)} is missing: materialize {context.asset_key.to_user_string()} "
                f"for partition {_partition(context)} first"
            )
        return pd.read_parquet(io.BytesIO(store.read_bytes(key)))


class WarehouseIOManager(dg.ConfigurableIOManager):
    """Writes a DataFrame to the table named after the asset, replacing its partition atomically."""

    url: str | None = None

    def _warehouse(self) -> Warehouse:
        return warehouse_for(self.url or Settings.from_env().warehouse_url)

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        table = context.asset_key.path[-1]
        rows = self._warehouse().replace_partition(table, _partition(context), obj)
        context.add_output_metadata({"table": table, "rows": rows})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        table = context.asset_key.path[-1]
        return self._warehouse().read_partition(table, _partition(context))
