"""Materialization metadata the Dagster UI can show and plot across partitions."""

import dagster as dg
import pandas as pd


def preview(frame: pd.DataFrame, rows: int = 20) -> dg.MetadataValue:
    """A Markdown table of the first rows (the UI renders it on the asset page)."""
    if frame.empty:
        return dg.MetadataValue.md("_no rows_")
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False, floatfmt=".4g"))
