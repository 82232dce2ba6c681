"""One small interface over the places trace files live: a local folder or an S3 bucket.

Keys are '/'-separated and relative to the store's root. A *prefix* names a folder (or one
exact key), never a partial name: ``list("dt=2024-05-01")`` covers
``dt=2024-05-01/hour=03/a.jsonl`` but not ``dt=2024-05-010/...``. Listings are recursive and
sorted by key, so ``dt=.../hour=HH/...`` layouts are read in a stable order.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import unquote, urlparse


@dataclass(frozen=True)
class ObjectInfo:
    key: str  # relative to the store root, '/'-separated
    uri: str
    size: int


def clean_key(key: str) -> str:
    """Normalize a key or prefix; refuses absolute keys and '..' so nothing escapes the root."""
    parts = [p for p in key.replace("\\", "/").split("/") if p not in ("", ".")]
    if key.startswith("/") or ".." in parts:
        raise ValueError(f"object key must be relative and stay under the root: {key!r}")
    return "/".join(parts)


def under(key: str, prefix: str) -> bool:
    """True when ``key`` is ``prefix`` itself or inside the folder ``prefix``."""
    return not prefix or key == prefix or key.startswith(prefix + "/")


class ObjectStore(ABC):
    """A flat namespace of byte objects under ``root`` (a URI)."""

    root: str

    @abstractmethod
    def list(self, prefix: str = "") -> list[ObjectInfo]:
        """Every object under ``prefix``, recursively, sorted by key; [] when there are none."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A streaming, read-only binary file object; ``FileNotFoundError`` names the URI."""

    @abstractmethod
    def write_bytes(self, key: str, data: bytes) -> str:
        """Write (or overwrite) one object and return its URI."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many were deleted."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """The full URI of ``key``."""

    def exists(self, prefix: str) -> bool:
        """True when ``prefix`` is an object or a folder holding at least one object."""
        return bool(self.list(prefix))

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as f:
            return f.read()


def open_store(uri: str, *, endpoint_url: str | None = None) -> ObjectStore:
    """Open ``s3://bucket/prefix``, ``file:///path`` or a plain local path.

    ``endpoint_url`` (default: env ``FI_S3_ENDPOINT_URL``) points boto3 at an
    S3-compatible store such as MinIO, R2 or moto.
    """
    from fi_dagster.storage.local_store import LocalStore
    from fi_dagster.storage.s3_store import S3Store

    parsed = urlparse(uri)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ValueError(f"S3 URI needs a bucket: {uri!r}")
        endpoint = endpoint_url or os.environ.get("FI_S3_ENDPOINT_URL") or None
        return S3Store(parsed.netloc, parsed.path, endpoint_url=endpoint)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(f"file URI must be local: {uri!r}")
        return LocalStore(unquote(parsed.path))
    if "://" in uri:
        raise ValueError(f"unsupported object store scheme {parsed.scheme!r} in {uri!r}")
    return LocalStore(uri)
