"""Bad input kept for inspection: one JSON line per rejected line or span, beside the partition.

Records are spooled to a local temporary file while the day streams past (memory stays flat
however much of the input is bad) and stored as ``dt=<day>/quarantine.jsonl`` at the end. A
clean re-run removes the quarantine object an earlier run left behind.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Protocol

import orjson


class QuarantineStore(Protocol):
    def write_bytes(self, key: str, data: bytes) -> str: ...
    def delete_prefix(self, prefix: str) -> int: ...


class Quarantine:
    """Collects ``{"file", "line", "reason", "raw"}`` records for one partition."""

    def __init__(self, path: Path | None = None) -> None:
        """Records spool to ``path`` when given (a worker's share of the day), else to an
        anonymous temporary file."""
        self._spool = path.open("w+b") if path else tempfile.TemporaryFile()  # noqa: SIM115
        self.count = 0

    def extend(self, path: Path, count: int) -> None:
        """Append the ``count`` records another ``Quarantine`` spooled to ``path``."""
        with path.open("rb") as records:
            shutil.copyfileobj(records, self._spool)
        self.count += count

    def close(self) -> None:
        self._spool.close()

    def add(self, source: str, line: int, reason: str, raw: Any) -> None:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="replace")
        record = {"file": source, "line": line, "reason": reason, "raw": raw}
        try:
            data = orjson.dumps(record, default=str)
        except (TypeError, orjson.JSONEncodeError) as exc:  # e.g. nested beyond orjson's limit
            data = orjson.dumps({**record, "raw": f"<not serializable: {exc}>"})
        self._spool.write(data + b"\n")
        self.count += 1

    def store(self, store: QuarantineStore, partition_prefix: str) -> str | None:
        """Write the records to ``<partition_prefix>quarantine.jsonl``; None when there are none."""
        key = f"{partition_prefix}quarantine.jsonl"
        try:
            if not self.count:
                store.delete_prefix(key)
                return None
            self._spool.seek(0)
            return store.write_bytes(key, self._spool.read())
        finally:
            self._spool.close()
