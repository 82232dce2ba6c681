"""Object store on S3 or an S3-compatible service (MinIO, R2, moto) through boto3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from fi_dagster.storage.object_store import ObjectInfo, ObjectStore, clean_key, under


class S3Store(ObjectStore):
    """``s3://bucket/prefix`` through boto3; credentials come from the standard AWS chain."""

    page_size = 1000  # keys per ListObjectsV2 page and per DeleteObjects call (S3's maximum)

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None) -> None:
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
            for page in paginator.paginate(
                Bucket=self.bucket, Prefix=full, PaginationConfig={"PageSize": self.page_size}
            ):
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
        for start in range(0, len(objects), self.page_size):
            batch = [{"Key": self._full(o.key)} for o in objects[start : start + self.page_size]]
            with _s3_errors(self.uri(prefix)):
                reply = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            if reply.get("Errors"):
                first = reply["Errors"][0]
                raise OSError(
                    f"could not delete {len(reply['Errors'])} objects under "
                    f"{self.uri(prefix)}, e.g. {first.get('Key')}: {first.get('Code')}"
                )
        return len(objects)


@contextmanager
def _s3_errors(uri: str) -> Iterator[None]:
    """Turn botocore errors into built-in ones whose message names the s3:// URI."""
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
