"""Object stores list, read, write and delete the same way on a local folder and on S3."""

from __future__ import annotations

import gzip
from pathlib import Path

import boto3
import pytest

from fi_dagster.storage import ObjectStore, open_store
from fi_dagster.storage.local_store import PARTIAL_SUFFIX

DAY_1 = {
    "dt=2024-05-01/hour=00/a.jsonl": b'{"resourceSpans": []}\n',
    "dt=2024-05-01/hour=13/b.jsonl.gz": gzip.compress(b'{"resourceSpans": []}\n' * 3),
}
OTHERS = {
    "dt=2024-05-02/hour=00/c.jsonl": b"c",
    "dt=2024-05-010/not-a-day.jsonl": b"shares the name prefix but is another folder",
}


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return open_store(str(tmp_path / "traces"))
    bucket = request.getfixturevalue("s3_bucket")
    return open_store(f"s3://{bucket}/traces", endpoint_url=request.getfixturevalue("s3_endpoint"))


@pytest.fixture
def filled(store: ObjectStore) -> ObjectStore:
    for key, data in {**DAY_1, **OTHERS}.items():
        store.write_bytes(key, data)
    return store


def test_an_empty_store_lists_nothing(store: ObjectStore) -> None:
    assert store.list() == []
    assert store.list("dt=2024-05-01") == []
    assert not store.exists("dt=2024-05-01")


def test_write_returns_the_uri_and_reads_back(store: ObjectStore) -> None:
    uri = store.write_bytes("dt=2024-05-01/a.jsonl", b"hello\n")
    assert uri == store.uri("dt=2024-05-01/a.jsonl")
    assert uri.startswith(store.root + "/") and uri.endswith("dt=2024-05-01/a.jsonl")
    assert store.read_bytes("dt=2024-05-01/a.jsonl") == b"hello\n"
    store.write_bytes("dt=2024-05-01/a.jsonl", b"replaced")
    assert store.read_bytes("dt=2024-05-01/a.jsonl") == b"replaced"


def test_a_day_lists_recursively_sorted_and_only_its_folder(filled: ObjectStore) -> None:
    expected = sorted(DAY_1)
    assert [o.key for o in filled.list("dt=2024-05-01")] == expected
    assert [o.key for o in filled.list("dt=2024-05-01/")] == expected
    assert [o.size for o in filled.list("dt=2024-05-01")] == [len(DAY_1[k]) for k in expected]
    assert [o.key for o in filled.list()] == sorted({**DAY_1, **OTHERS})
    assert all(o.uri == filled.uri(o.key) for o in filled.list())


def test_exists_means_an_object_or_a_non_empty_folder(filled: ObjectStore) -> None:
    assert filled.exists("dt=2024-05-01")
    assert filled.exists("dt=2024-05-01/hour=13")
    assert filled.exists("dt=2024-05-01/hour=00/a.jsonl")
    assert not filled.exists("dt=2024-05-0")
    assert not filled.exists("dt=2024-05-03")
    assert filled.list("dt=2024-05-0") == []


def test_open_streams_compressed_files(filled: ObjectStore) -> None:
    with filled.open("dt=2024-05-01/hour=13/b.jsonl.gz") as raw, gzip.open(raw) as lines:
        assert lines.read().count(b"resourceSpans") == 3


def test_missing_object_raises_with_its_uri(store: ObjectStore) -> None:
    with pytest.raises(FileNotFoundError, match="dt=2024-05-01/nope.jsonl"):
        store.open("dt=2024-05-01/nope.jsonl")
    with pytest.raises(FileNotFoundError, match=store.root):
        store.read_bytes("nope")


def test_delete_prefix_removes_one_day_only(filled: ObjectStore) -> None:
    assert filled.delete_prefix("dt=2024-05-01") == len(DAY_1)
    assert filled.list("dt=2024-05-01") == []
    assert [o.key for o in filled.list()] == sorted(OTHERS)
    assert filled.delete_prefix("dt=2024-05-01") == 0


@pytest.mark.parametrize("key", ["../escape", "/abs/key", "dt=1/../../x"])
def test_keys_cannot_escape_the_root(store: ObjectStore, key: str) -> None:
    with pytest.raises(ValueError, match="relative"):
        store.write_bytes(key, b"x")


def test_file_uri_reopens_the_same_local_store(tmp_path: Path) -> None:
    local = open_store(str(tmp_path / "a dir"))
    local.write_bytes("dt=2024-05-01/x.jsonl", b"x")
    assert local.root.startswith("file://")
    again = open_store(local.root)
    assert [o.key for o in again.list()] == ["dt=2024-05-01/x.jsonl"]
    assert again.read_bytes("dt=2024-05-01/x.jsonl") == b"x"


def test_local_writes_leave_no_partial_files(tmp_path: Path) -> None:
    local = open_store(str(tmp_path))
    local.write_bytes("dt=2024-05-01/x.jsonl", b"x")
    (tmp_path / "dt=2024-05-01" / f".y.jsonl.123{PARTIAL_SUFFIX}").write_bytes(b"in flight")
    assert [o.key for o in local.list()] == ["dt=2024-05-01/x.jsonl"]
    assert len(list((tmp_path / "dt=2024-05-01").iterdir())) == 2


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="gs"):
        open_store("gs://bucket/traces")


def test_s3_endpoint_defaults_to_the_environment(s3_env: str, s3_bucket: str) -> None:
    store = open_store(f"s3://{s3_bucket}/traces")
    store.write_bytes("dt=2024-05-01/a.jsonl", b"a")
    assert (
        boto3.client("s3", endpoint_url=s3_env)
        .get_object(Bucket=s3_bucket, Key="traces/dt=2024-05-01/a.jsonl")["Body"]
        .read()
        == b"a"
    )


def test_s3_missing_bucket_names_the_uri(s3_env: str) -> None:
    store = open_store("s3://no-such-bucket-fi/traces")
    with pytest.raises(FileNotFoundError, match="s3://no-such-bucket-fi/traces"):
        store.list("dt=2024-05-01")


def test_s3_root_prefix_is_a_folder(s3_env: str, s3_bucket: str) -> None:
    client = boto3.client("s3", endpoint_url=s3_env)
    client.put_object(Bucket=s3_bucket, Key="traces2/dt=2024-05-01/x.jsonl", Body=b"x")
    client.put_object(Bucket=s3_bucket, Key="traces/dt=2024-05-01/", Body=b"")  # console "folder"
    client.put_object(Bucket=s3_bucket, Key="traces/dt=2024-05-01/y.jsonl", Body=b"y")
    store = open_store(f"s3://{s3_bucket}/traces/")
    assert [o.key for o in store.list()] == ["dt=2024-05-01/y.jsonl"]
    assert store.list()[0].uri == f"s3://{s3_bucket}/traces/dt=2024-05-01/y.jsonl"


def test_s3_explicit_endpoint_wins_over_env(
    s3_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FI_S3_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    store = open_store(f"s3://{s3_bucket}", endpoint_url=s3_endpoint)
    store.write_bytes("k", b"v")
    assert store.read_bytes("k") == b"v"


def test_s3_lists_and_deletes_page_by_page(s3_env: str, s3_bucket: str) -> None:
    store = open_store(f"s3://{s3_bucket}/many")
    store.page_size = 2  # S3 pages hold 1000 keys; small pages exercise the same code path
    keys = [f"dt=2024-05-01/hour={h:02d}/part.jsonl" for h in range(5)]
    for key in keys:
        store.write_bytes(key, b"x")
    assert [o.key for o in store.list("dt=2024-05-01")] == keys
    assert store.delete_prefix("dt=2024-05-01") == 5
    assert not store.exists("dt=2024-05-01")
