"""Shared fixtures: real services on loopback (OpenAI-compatible judge, Slack, S3, PostgreSQL).

Nothing here talks to a host outside 127.0.0.0/8.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import postgres, s3
from servers.openai_server import OpenAIServer
from servers.slack_receiver import SlackReceiver
from sqlalchemy.engine import make_url


@pytest.fixture(scope="session", autouse=True)
def _loopback_bypasses_proxies() -> Iterator[None]:
    """A proxy configured in the environment must never see loopback traffic."""
    with pytest.MonkeyPatch.context() as mp:
        for var in ("NO_PROXY", "no_proxy"):
            mp.setenv(var, ",".join(filter(None, [os.environ.get(var), "127.0.0.1", "localhost"])))
        yield


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A fresh OpenAI-compatible server; use ``OpenAI(base_url=server.url + "/v1")``."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def slack_receiver() -> Iterator[SlackReceiver]:
    with SlackReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """Endpoint URL of a moto S3 server; sets test AWS credentials for the session."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in s3.TEST_CREDENTIALS.items():
            mp.setenv(name, value)
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
            mp.delenv(name, raising=False)
        with s3.moto_server() as endpoint:
            yield endpoint


@pytest.fixture
def s3_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``FI_S3_ENDPOINT_URL`` pointing at the moto server for this test only."""
    monkeypatch.setenv("FI_S3_ENDPOINT_URL", s3_endpoint)
    return s3_endpoint


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new, empty, uniquely named bucket on the moto server."""
    return s3.create_bucket(s3_endpoint)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL of a fresh database on the local PostgreSQL, dropped after the session.

    Skips when PostgreSQL is unreachable, except under ``CI=true`` where it fails.
    """
    try:
        user, admin_db = postgres.find_admin_user()
    except OSError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{exc} — tests that need PostgreSQL must run in CI; start it first.")
        pytest.skip(str(exc))
    with postgres.temporary_database(user, admin_db) as url:
        yield url


@pytest.fixture
def pg_clean_url(pg_url: str) -> str:
    """``pg_url`` with every table dropped first, so each test starts from an empty database."""
    url = make_url(pg_url)
    postgres.reset_public_schema(url.username or "postgres", url.database or "")
    return pg_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """An empty warehouse database: each test using it runs once on SQLite, once on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_clean_url")
