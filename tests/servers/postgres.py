"""Throwaway databases on the local PostgreSQL (127.0.0.1:5432, trust auth)."""

from __future__ import annotations

import getpass
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from psycopg2 import sql

HOST, PORT = "127.0.0.1", 5432
ADMIN_DATABASES = ("postgres", "test")


def find_admin_user() -> tuple[str, str]:
    """(user, database) of the first admin login that works; raises ``OSError`` if none."""
    errors = []
    for user in dict.fromkeys(["postgres", getpass.getuser()]):
        for dbname in ADMIN_DATABASES:
            try:
                psycopg2.connect(
                    host=HOST, port=PORT, user=user, dbname=dbname, connect_timeout=3
                ).close()
                return user, dbname
            except psycopg2.Error as exc:
                errors.append(f"{user}@{dbname}: {str(exc).strip().splitlines()[0]}")
    raise OSError(f"PostgreSQL at {HOST}:{PORT} is not reachable: " + "; ".join(errors))


@contextmanager
def _autocommit(user: str, dbname: str) -> Iterator[psycopg2.extensions.cursor]:
    conn = psycopg2.connect(host=HOST, port=PORT, user=user, dbname=dbname, connect_timeout=3)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


@contextmanager
def temporary_database(user: str, admin_db: str) -> Iterator[str]:
    """Create ``fi_test_<random>``, yield its SQLAlchemy URL, then drop it."""
    name = f"fi_test_{secrets.token_hex(6)}"
    with _autocommit(user, admin_db) as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgresql+psycopg2://{user}@{HOST}:{PORT}/{name}"
    finally:
        with _autocommit(user, admin_db) as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def reset_public_schema(user: str, dbname: str) -> None:
    """Drop every table of a test database so the next test starts empty."""
    with _autocommit(user, dbname) as cur:
        cur.execute("SET lock_timeout = '10s'")
        cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
