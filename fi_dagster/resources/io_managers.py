"""IO managers: intermediates as Parquet in the work store, contract tables in the warehouse.

Both write one partition at a time and replace it whole, so re-runs and backfills are safe.
"""

import io
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from fi_dagster.resources.warehouse import warehouse_for
from fi_dagster.settings import Settings
from fi_dagster.storage.object_store import open_store
from fi_dagster.traces.spans_parquet import read_spans
from fi_dagster.warehouse.store import Warehouse


@dataclass(frozen=True)
class LocalParquet:
    """An asset's value already written as a local Parquet file (too big to pass as a frame).

    The IO manager stores the file under the asset's key and deletes ``path``'s folder, which
    must be a temporary folder the asset made for it.
    """

    path: Path
    rows: int


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

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame | LocalParquet) -> None:
        if isinstance(obj, LocalParquet):
            try:
                data, rows = obj.path.read_bytes(), obj.rows
            finally:
                shutil.rmtree(obj.path.parent, ignore_errors=True)
        else:
            buffer = io.BytesIO()
            obj.to_parquet(buffer, index=False)
            data, rows = buffer.getvalue(), len(obj)
        uri = self._store().write_bytes(_object_key(context.asset_key, _partition(context)), data)
        context.add_output_metadata({"path": dg.MetadataValue.path(uri), "rows": rows})

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        """The partition's frame; ``AssetIn(metadata={"columns": [...]})`` reads only those."""
        columns = (context.definition_metadata or {}).get("columns")
        return self.read(context.asset_key, _partition(context), columns)

    def read(
        self,
        asset_key: dg.AssetKey,
        partition: str,
        columns: Sequence[str] | None = None,
        trace_ids: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """One partition of an asset this manager stored (only ``columns`` / ``trace_ids``)."""
        key = _object_key(asset_key, partition)
        store = self._store()
        if not store.exists(key):
            raise FileNotFoundError(
                f"{store.uri(key)} is missing: materialize {asset_key.to_user_string()} "
                f"for partition {partition} first"
            )
        with store.open(key) as raw:
            source = raw if _seekable(raw) else io.BytesIO(raw.read())
            return _read_frame(source, list(columns) if columns is not None else None, trace_ids)


def _object_key(asset_key: dg.AssetKey, partition: str) -> str:
    return f"{'/'.join(asset_key.path)}/dt={partition}.parquet"


def _seekable(raw: Any) -> bool:
    return bool(getattr(raw, "seekable", lambda: False)())


def _read_frame(
    source: Any, columns: list[str] | None, trace_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Frames written by pandas come back as pandas wrote them; canonical span files (written
    with pyarrow, no pandas metadata) through the spans reader (nullable integer counts)."""
    metadata = pq.read_schema(source).metadata or {}
    source.seek(0)
    filters = [("trace_id", "in", list(trace_ids))] if trace_ids is not None else None
    if b"pandas" in metadata:
        return pd.read_parquet(source, columns=columns, filters=filters)
    return read_spans(source, columns, trace_ids)


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
