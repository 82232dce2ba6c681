"""Object store on the local file system; writes are atomic (temp file + rename)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from fi_dagster.storage.object_store import ObjectInfo, ObjectStore, clean_key

PARTIAL_SUFFIX = ".fi-partial"  # in-flight writes; never listed


class LocalStore(ObjectStore):
    """A folder on the local file system; writes are atomic (temp file + rename)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser().absolute()
        self.root = "file://" + quote(self.path.as_posix(), safe="/=:@+,")

    def uri(self, key: str) -> str:
        key = clean_key(key)
        return f"{self.root}/{quote(key, safe='/=:@+,')}" if key else self.root

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        return sorted(self._objects(prefix), key=lambda info: info.key)

    def exists(self, prefix: str) -> bool:
        return next(self._objects(prefix), None) is not None

    def _objects(self, prefix: str) -> Iterator[ObjectInfo]:
        prefix = clean_key(prefix)
        start = self.path / prefix if prefix else self.path
        paths = [start] if start.is_file() else start.rglob("*") if start.is_dir() else []
        for path in paths:
            if path.is_file() and not path.name.endswith(PARTIAL_SUFFIX):
                key = path.relative_to(self.path).as_posix()
                yield ObjectInfo(key, self.uri(key), path.stat().st_size)

    def open(self, key: str) -> BinaryIO:
        path = self.path / clean_key(key)
        if not path.is_file():
            raise FileNotFoundError(f"no such object: {self.uri(key)}")
        return path.open("rb")

    def write_bytes(self, key: str, data: bytes) -> str:
        path = self.path / clean_key(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from other readers
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return self.uri(key)

    def delete_prefix(self, prefix: str) -> int:
        objects = self.list(prefix)
        for info in objects:
            (self.path / info.key).unlink()
        self._prune_empty_dirs(clean_key(prefix))
        return len(objects)

    def _prune_empty_dirs(self, prefix: str) -> None:
        start = self.path / prefix
        if not prefix or not start.is_dir():
            return
        for folder in sorted((p for p in start.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
        if not any(start.iterdir()):
            start.rmdir()
