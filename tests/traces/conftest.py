"""Fixtures for the trace ingestion tests: a fresh store holding one partition."""

from __future__ import annotations

import pytest
from otlp_lines import Day


@pytest.fixture
def day(tmp_path) -> Day:
    return Day(tmp_path)
