"""Conversions between pandas frames and the rows of a warehouse table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa


def to_records(table: sa.Table, partition_date: str, df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``df`` for one day of ``table`` as driver-ready dicts.

    Values become Python scalars and NaN / NaT / NA / None become None (NULL). Integral
    floats in integer columns (an int column that had a NaN) become ints again.
    """
    unknown = sorted(set(map(str, df.columns)) - set(table.columns.keys()))
    if unknown:
        raise ValueError(f"columns not in {table.name}: {', '.join(unknown)}")
    if "partition_date" in df.columns and not (df["partition_date"] == partition_date).all():
        raise ValueError(
            f"rows for {table.name} carry a partition_date other than {partition_date}"
        )
    frame = df.assign(partition_date=partition_date)
    values = frame.astype(object).to_numpy()
    values[frame.isna().to_numpy()] = None
    for j, (name, dtype) in enumerate(frame.dtypes.items()):
        if pd.api.types.is_object_dtype(dtype):
            values[:, j] = [_native(v) for v in values[:, j]]
        elif pd.api.types.is_float_dtype(dtype) and isinstance(table.c[name].type, sa.Integer):
            values[:, j] = [_integral(v) for v in values[:, j]]
    columns = [str(c) for c in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in values.tolist()]


def to_frame(table: sa.Table, result: sa.CursorResult[Any]) -> pd.DataFrame:
    """A query result over ``table`` as a frame; float columns use NaN for NULL."""
    df = pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))
    for column in table.columns:
        if column.name in df.columns and isinstance(column.type, sa.Float):
            df[column.name] = df[column.name].astype("float64")
    return df


def _native(value: Any) -> Any:
    """numpy scalars hiding in object columns become Python ones the drivers can bind."""
    return value.item() if isinstance(value, np.generic) else value


def _integral(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value
