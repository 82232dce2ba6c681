"""Which objects of a partition are trace files (by name; ``framing`` reads their bytes)."""

from __future__ import annotations

JSON_SUFFIXES = (".jsonl", ".json")
COMPRESSIONS = ("", ".gz", ".zst")
PARQUET_SUFFIX = ".parquet"


def partition_prefix(partition_date: str) -> str:
    return f"dt={partition_date}/"


def file_format(key: str) -> str | None:
    """'otlp-json' | 'parquet' | None for objects that are not trace files."""
    name = key.rsplit("/", 1)[-1]
    if name.startswith((".", "_")) or "/_" in key:
        return None
    lower = name.lower()
    if lower.endswith(PARQUET_SUFFIX):
        return "parquet"
    for compression in COMPRESSIONS:
        if any(lower.endswith(s + compression) for s in JSON_SUFFIXES):
            return "otlp-json"
    return None
