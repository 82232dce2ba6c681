"""A moto S3 server on loopback, reached over HTTP like any S3-compatible store."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from moto.server import ThreadedMotoServer

TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def moto_server() -> Iterator[str]:
    """Run moto's threaded server on 127.0.0.1 and yield its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request is noise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def create_bucket(endpoint_url: str) -> str:
    """Create a uniquely named bucket and return its name."""
    name = f"fi-test-{secrets.token_hex(6)}"
    boto3.client("s3", endpoint_url=endpoint_url).create_bucket(Bucket=name)
    return name
