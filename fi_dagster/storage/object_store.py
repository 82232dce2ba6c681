"""One small interface over the places trace files live: a local folder or an S3 bucket.

Keys are '/'-separated and relative to the store's root. A *prefix* names a folder (or one
exact key), never a partial name: ``list("dt=2024-05-01")`` covers
``dt=2024-05-01/hour=03/a.jsonl`` but not ``dt=2024-05-010/...``. Listings are recursive and
sorted by key, so ``dt=.../hour=HH/...`` layouts are read in a stable order.
"""

from __future__ import annotations

import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, unquote, urlparse

PARTIAL_SUFFIX = ".fi-partial"  # in-flight local writes; never listed


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


class S3Store(ObjectStore):
    """``s3://bucket/prefix`` through boto3; credentials come from the standard AWS chain."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None) -> None:
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, clean_key(prefix.lstrip("/"))
        self.root = f"s3://{bucket}/{self.prefix}".rstrip("/")
        config = Config(retries={"mode": "standard", "max_attempts": 5})
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, config=config)

    def uri(self, key: str) -> str:
        key = clean_key(key)
        return f"{self.root}/{key}" if key else self.root

    def _full(self, key: str) -> str:
        return "/".join(p for p in (self.prefix, clean_key(key)) if p)

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        full, skip = self._full(prefix), len(self.prefix) + 1 if self.prefix else 0
        found: list[ObjectInfo] = []
        paginator = self.client.get_paginator("list_objects_v2")
        with _s3_errors(self.uri(prefix)):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
                for obj in page.get("Contents", []):
                    name = obj["Key"]
                    if under(name, full) and len(name) > skip and not name.endswith("/"):
                        found.append(ObjectInfo(name[skip:], self.uri(name[skip:]), obj["Size"]))
        return sorted(found, key=lambda info: info.key)

    def exists(self, prefix: str) -> bool:
        full = self._full(prefix)
        for probe in [full + "/", full] if full else [""]:
            with _s3_errors(self.uri(prefix)):
                page = self.client.list_objects_v2(Bucket=self.bucket, Prefix=probe, MaxKeys=1)
            keys = [obj["Key"] for obj in page.get("Contents", [])]
            if keys and (probe != full or keys[0] == full):
                return True
        return False

    def open(self, key: str) -> BinaryIO:
        with _s3_errors(self.uri(key)):
            return self.client.get_object(Bucket=self.bucket, Key=self._full(key))["Body"]

    def write_bytes(self, key: str, data: bytes) -> str:
        with _s3_errors(self.uri(key)):
            self.client.put_object(Bucket=self.bucket, Key=self._full(key), Body=data)
        return self.uri(key)

    def delete_prefix(self, prefix: str) -> int:
        objects = self.list(prefix)
        for start in range(0, len(objects), 1000):  # DeleteObjects takes at most 1000 keys
            batch = [{"Key": self._full(o.key)} for o in objects[start : start + 1000]]
            with _s3_errors(self.uri(prefix)):
                self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
        return len(objects)


@contextmanager
def _s3_errors(uri: str) -> Iterator[None]:
    """Turn botocore errors into built-in ones whose message names the s3:// URI."""
    from botocore.exceptions import ClientError

    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("NoSuchBucket", "NoSuchKey", "404", "NotFound"):
            kind = "bucket" if code == "NoSuchBucket" else "object"
            raise FileNotFoundError(f"no such {kind}: {uri} ({code})") from exc
        if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            raise PermissionError(f"access denied to {uri} ({code})") from exc
        raise OSError(f"S3 request for {uri} failed: {exc}") from exc


def open_store(uri: str, *, endpoint_url: str | None = None) -> ObjectStore:
    """Open ``s3://bucket/prefix``, ``file:///path`` or a plain local path.

    ``endpoint_url`` (default: env ``FI_S3_ENDPOINT_URL``) points boto3 at an
    S3-compatible store such as MinIO, R2 or moto.
    """
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
