"""Fixtures for the evaluator tests: an empty hand-built span table per test."""

from __future__ import annotations

import pytest
from span_table import SpanTable


@pytest.fixture
def spans() -> SpanTable:
    return SpanTable()
