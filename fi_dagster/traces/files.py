"""Which objects of a partition are trace files, and how to stream their lines."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import BinaryIO

import zstandard

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


def decompressed(key: str, raw: BinaryIO) -> BinaryIO:
    """Wrap a byte stream in the decompressor its name asks for."""
    lower = key.lower()
    if lower.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)
    if lower.endswith(".zst"):
        return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return raw


def numbered_lines(stream: BinaryIO, chunk_size: int = 1 << 20) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, line)`` for non-blank lines, reading in bounded chunks.

    Works on anything with ``read(n)`` (files, gzip/zstd readers, boto3 bodies).
    """
    number = 0
    tail = b""
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            break
        parts = (tail + chunk).split(b"\n")
        tail = parts.pop()
        for part in parts:
            number += 1
            if part.strip():
                yield number, part.rstrip(b"\r")
    if tail.strip():
        yield number + 1, tail.rstrip(b"\r")
