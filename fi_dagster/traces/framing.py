"""How an OTLP JSON file frames its export requests, told from its first bytes, not its name.

- JSON Lines, plain or as one gzip or zstd stream: what the Python file exporter writes, what
  ``gzip``/``zstd`` make of it, and what the Collector's file exporter writes with native
  compression. A ``traces.json`` that holds zstd is read as zstd.
- The Collector file exporter's ``compression: zstd`` as it frames it by default: each request
  is a 4-byte big-endian length, then one zstd frame (``exportMessageAsBuffer`` in
  opentelemetry-collector-contrib/exporter/fileexporter/file_writer.go).

A file whose name promises a compression its bytes lack cannot be read, and neither can OTLP
protobuf (the exporter's ``format: proto``); both stop the run with the file's name. One
damaged record costs that record only: it is quarantined, the rest of the file is read.
"""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import zstandard

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_PROTOBUF_FIRST_FIELD = 0x0A  # field 1 (resource_spans), length-delimited
_CLAIMED = {".gz": "gzip", ".zst": "zstd"}


class UnreadableFraming(OSError):
    """The bytes are not OTLP JSON in any framing we read."""


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A length-prefixed record that could not be unpacked: quarantined, never parsed."""

    reason: str
    raw: bytes

    def quarantined(self) -> dict[str, str]:
        """The record's bytes, losslessly (they are compressed, not text)."""
        return {"base64": base64.b64encode(self.raw).decode("ascii")}


def export_requests(key: str, raw: BinaryIO) -> Iterator[tuple[int, bytes | BadRecord]]:
    """``(number, request)`` for each non-blank line or record of the file ``key``.

    Numbers are line numbers in JSON Lines and record numbers in length-prefixed files.
    """
    head = _read_up_to(raw, 8)
    if not head:
        return iter(())
    stream = _Replayed(head, raw)
    framing = _framing(key, head)
    if framing == "zstd-records":
        return _zstd_records(stream)
    if framing == "gzip":
        return numbered_lines(gzip.GzipFile(fileobj=stream))
    if framing == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
        return numbered_lines(reader)
    return numbered_lines(stream)


def _framing(key: str, head: bytes) -> str:
    if head.startswith(GZIP_MAGIC):
        found = "gzip"
    elif head.startswith(ZSTD_MAGIC):
        found = "zstd"
    elif head[4:8] == ZSTD_MAGIC:
        found = "zstd-records"
    elif len(head) > 4 and head[0] == 0 and head[4] == _PROTOBUF_FIRST_FIELD:
        raise UnreadableFraming(
            "it holds OTLP protobuf (the Collector file exporter's format: proto); "
            "fi_dagster reads OTLP JSON: set format: json"
        )
    else:
        found = "plain"
    suffix = "." + key.rsplit(".", 1)[-1].lower()
    claimed = _CLAIMED.get(suffix)
    if claimed and not found.startswith(claimed):
        raise UnreadableFraming(f"it is named {suffix} but does not start like {claimed} data")
    return found


def _zstd_records(stream: BinaryIO) -> Iterator[tuple[int, bytes | BadRecord]]:
    decompressor = zstandard.ZstdDecompressor()
    number = 0
    while header := _read_up_to(stream, 4):
        number += 1
        size = int.from_bytes(header, "big") if len(header) == 4 else -1
        body = _read_up_to(stream, size) if size >= 0 else b""
        if size < 0 or len(body) < size:
            have, wanted = len(header) + len(body), "4" if size < 0 else f"{size + 4}"
            yield number, BadRecord(f"truncated record: {have} of {wanted} bytes", header + body)
            return
        try:
            request = decompressor.stream_reader(io.BytesIO(body), read_across_frames=True).read()
        except zstandard.ZstdError as exc:
            request = BadRecord(f"record is not a zstd frame: {exc}", body)
        yield number, request


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


def _read_up_to(stream: BinaryIO, n: int) -> bytes:
    """``n`` bytes, fewer only at the end (a socket or decompressor may return short reads)."""
    parts, left = [], n
    while left > 0:
        part = stream.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class _Replayed(io.RawIOBase):
    """``stream`` with the bytes already read from its start put back in front."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head, self._stream = head, stream

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n is None or n < 0:
                data, self._head = self._head + self._stream.read(), b""
                return data
            data, self._head = self._head[:n], self._head[n:]
            return data
        return self._stream.read() if n is None or n < 0 else self._stream.read(n)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
